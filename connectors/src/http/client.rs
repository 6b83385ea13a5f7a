//! Sending one HTTP request the way a careful client does: a requests-per-second limit, retries
//! with exponential backoff and jitter on connection errors, 5xx and 429 (honouring
//! `Retry-After`), timeouts, and messages that name the URL but never a secret.

use std::time::{Duration, Instant, SystemTime};

use reqwest::blocking::Client;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use sluice_core::ComponentError;

use super::auth::{AllowedHosts, Auth, Redactor};

/// The longest `Retry-After` Sluice waits for; a server asking for more fails the run.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(15 * 60);

/// How a failed request is retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The wait before the first retry; it doubles for each one after.
    pub initial_backoff: Duration,
    /// The longest wait between attempts (a `Retry-After` may ask for longer).
    pub max_backoff: Duration,
}

/// A response with its body read.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The URL as messages may show it (no secret in it).
    pub shown_url: String,
}

/// A blocking HTTP client for one node's run. Clones share the connection pool and the
/// rate limit, so a node's workers together keep to `requests_per_second`.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: Client,
    auth: Auth,
    /// Hides the credential's secrets in messages and response bodies.
    redactor: Redactor,
    /// Where the credential may be sent (none without one).
    allowed_hosts: Option<AllowedHosts>,
    /// The largest response body read.
    max_response_bytes: u64,
    retry: RetryPolicy,
    min_interval: Option<Duration>,
    /// When the next request may go out (shared by clones).
    next_slot: std::sync::Arc<std::sync::Mutex<Option<Instant>>>,
    jitter: u64,
}

/// A reqwest client with Sluice's settings: TLS through rustls, a user agent, `timeout` per
/// request, and at most 5 redirects — each to a host the credential may be sent to (`allowed`),
/// since a redirect carries the request's headers along.
pub fn build_client(timeout: Duration, allowed: Option<AllowedHosts>) -> Result<Client, String> {
    // One process-wide TLS provider; a second install is refused harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            return attempt.error("more than 5 redirects");
        }
        match allowed.as_ref().map(|allowed| allowed.check(attempt.url())) {
            Some(Err(problem)) => attempt.error(format!("a redirect was refused: {problem}")),
            _ => attempt.follow(),
        }
    });
    Client::builder()
        .user_agent(concat!("Sluice/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(30)))
        .redirect(policy)
        .build()
        .map_err(|error| format!("cannot set up the HTTP client: {error}"))
}

/// The default seconds one request may take (config `timeout_seconds`).
pub fn default_timeout() -> u64 {
    30
}

/// The default largest response body, in bytes (config `max_response_bytes`).
pub fn default_max_response_bytes() -> u64 {
    64 * 1024 * 1024
}

/// The default attempts per request (config `attempts`).
pub fn default_attempts() -> u32 {
    5
}

impl HttpClient {
    /// The client of one node: its credential, attempts, rate limit and timeout as configured.
    pub fn for_node(
        credential: Option<std::sync::Arc<dyn sluice_core::credential::CredentialAccess>>,
        attempts: u32,
        requests_per_second: Option<f64>,
        timeout_seconds: u64,
        max_response_bytes: u64,
    ) -> Result<HttpClient, ComponentError> {
        let allowed_hosts = AllowedHosts::of(credential.as_ref());
        let auth = Auth::from_credential(credential).map_err(ComponentError::failed)?;
        let timeout = Duration::from_secs(timeout_seconds.max(1));
        let mut client = HttpClient::new(
            auth,
            RetryPolicy {
                attempts: attempts.max(1),
                initial_backoff: Duration::from_millis(500),
                max_backoff: Duration::from_secs(30),
            },
            requests_per_second,
            timeout,
        )?;
        client.client =
            build_client(timeout, allowed_hosts.clone()).map_err(ComponentError::failed)?;
        client.allowed_hosts = allowed_hosts;
        client.max_response_bytes = max_response_bytes;
        Ok(client)
    }

    pub fn new(
        auth: Auth,
        retry: RetryPolicy,
        requests_per_second: Option<f64>,
        timeout: Duration,
    ) -> Result<HttpClient, ComponentError> {
        let min_interval = requests_per_second
            .filter(|rate| *rate > 0.0)
            .map(|rate| Duration::from_secs_f64(1.0 / rate));
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(1, |elapsed| elapsed.as_nanos() as u64)
            | 1;
        Ok(HttpClient {
            client: build_client(timeout, None).map_err(ComponentError::failed)?,
            redactor: auth.redactor(),
            auth,
            allowed_hosts: None,
            max_response_bytes: default_max_response_bytes(),
            retry,
            min_interval,
            next_slot: Default::default(),
            jitter: seed,
        })
    }

    /// The URL as messages may show it: a query-string key replaced by `***`.
    pub fn shown_url(&self, url: &Url) -> String {
        self.redactor.scrub(self.auth.url(url).as_str())
    }

    /// Sends a request, retrying what is worth retrying. `should_stop` is polled while waiting so
    /// a cancelled run does not sit out a long backoff.
    pub fn send(
        &mut self,
        method: &Method,
        url: &Url,
        headers: &[(String, String)],
        body: Option<&str>,
        should_stop: &dyn Fn() -> bool,
    ) -> Result<Response, ComponentError> {
        let shown_url = self.shown_url(url);
        if let Some(allowed) = &self.allowed_hosts {
            allowed.check(url).map_err(|problem| {
                ComponentError::failed(format!("{method} {shown_url}: {problem}"))
            })?;
        }
        let mut last_problem = String::new();
        // An OAuth2 token the API refused: fetched anew once, and the request sent again.
        let mut rejected: Option<String> = None;
        let mut renewed = false;
        let mut attempt = 0;
        while attempt < self.retry.attempts.max(1) {
            attempt += 1;
            self.wait_for_rate_limit(should_stop)?;
            let mut request = self
                .client
                .request(method.clone(), self.auth.url(url))
                .header("Accept", "application/json");
            for (name, value) in headers {
                request = request.header(name.as_str(), value.as_str());
            }
            let (authorised, token) = self
                .auth
                .apply(request, rejected.as_deref())
                .map_err(ComponentError::failed)?;
            request = authorised;
            // An OAuth2 token is known only now; the credential's other secrets were known at start.
            let with_token;
            let redactor = match &token {
                Some(token) => {
                    with_token = self.redactor.clone().with([token.clone()]);
                    &with_token
                }
                None => &self.redactor,
            };
            if let Some(body) = body {
                request = request
                    .header("Content-Type", "application/json")
                    .body(body.to_string());
            }
            let retry_after = match request.send() {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = self.read_body(response).map_err(|problem| {
                        ComponentError::failed(
                            redactor.scrub(&format!("{method} {shown_url}: {problem}")),
                        )
                    })?;
                    if status.is_success() {
                        return Ok(Response {
                            status,
                            headers,
                            body: redactor.scrub_bytes(body.to_vec()),
                            shown_url,
                        });
                    }
                    let excerpt = redactor.scrub(&excerpt(&body));
                    if status == StatusCode::UNAUTHORIZED && token.is_some() && !renewed {
                        // One refresh and one retry, not counted as an attempt.
                        renewed = true;
                        rejected = token;
                        attempt -= 1;
                        continue;
                    }
                    if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
                        return Err(ComponentError::failed(format!(
                            "{method} {shown_url} answered {status}: {excerpt}{}",
                            advice(status)
                        )));
                    }
                    last_problem = format!("it answered {status}: {excerpt}");
                    retry_after_of(&headers)
                }
                Err(error) => {
                    last_problem = redactor
                        .scrub(&format!("{}", error.without_url()))
                        .replace('\n', " ");
                    last_problem = format!("it could not be reached ({last_problem})");
                    None
                }
            };
            if attempt == self.retry.attempts.max(1) {
                break;
            }
            let wait = match retry_after {
                Some(wait) if wait > LONGEST_RETRY_AFTER => {
                    return Err(ComponentError::failed(format!(
                        "{method} {shown_url} asked to wait {} s before trying again (Retry-After), \
                         longer than Sluice waits; run the flow again later",
                        wait.as_secs()
                    )));
                }
                Some(wait) => wait,
                None => self.backoff(attempt),
            };
            tracing::debug!(url = %shown_url, attempt, wait_ms = wait.as_millis() as u64, "retrying");
            sleep_unless_stopped(wait, should_stop)?;
        }
        Err(ComponentError::failed(format!(
            "{method} {shown_url} failed after {} attempts: {last_problem}",
            self.retry.attempts.max(1)
        )))
    }

    /// A response's body, refused past `max_response_bytes` (without reading further).
    fn read_body(&self, response: reqwest::blocking::Response) -> Result<Vec<u8>, String> {
        read_limited(response, self.max_response_bytes)
    }

    /// A copy for another worker thread, with its own jitter.
    pub fn worker(&self, index: u64) -> HttpClient {
        let mut worker = self.clone();
        worker.jitter = worker
            .jitter
            .wrapping_mul(6364136223846793005)
            .wrapping_add(index * 2 + 1)
            | 1;
        worker
    }

    /// Exponential backoff with "full jitter": a random wait between half and all of
    /// `initial × 2^(attempt-1)`, at most `max_backoff`.
    fn backoff(&mut self, attempt: u32) -> Duration {
        let ceiling = self
            .retry
            .initial_backoff
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(self.retry.max_backoff);
        // xorshift: enough randomness to keep many clients from retrying in step.
        self.jitter ^= self.jitter << 13;
        self.jitter ^= self.jitter >> 7;
        self.jitter ^= self.jitter << 17;
        let fraction = 0.5 + (self.jitter % 1000) as f64 / 2000.0;
        ceiling.mul_f64(fraction)
    }

    /// Takes the next free slot under the rate limit and waits for it.
    fn wait_for_rate_limit(&self, should_stop: &dyn Fn() -> bool) -> Result<(), ComponentError> {
        let Some(interval) = self.min_interval else {
            return Ok(());
        };
        let slot = {
            let mut next = self.next_slot.lock().expect("rate limit lock");
            let now = Instant::now();
            let slot = next.map_or(now, |next| next.max(now));
            *next = Some(slot + interval);
            slot
        };
        let wait = slot.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            sleep_unless_stopped(wait, should_stop)?;
        }
        Ok(())
    }
}

/// A response's body, refused past `limit` bytes (without reading further).
pub fn read_limited(response: reqwest::blocking::Response, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let too_large = || {
        format!(
            "the response is larger than {limit} bytes (`max_response_bytes`); raise it if the API really sends such responses"
        )
    };
    if response
        .content_length()
        .is_some_and(|length| length > limit)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    response
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|error| format!("the response could not be read: {error}"))?;
    if body.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(body)
}

/// Waits, looking every 50 ms whether the run is being stopped.
pub fn sleep_unless_stopped(
    wait: Duration,
    should_stop: &dyn Fn() -> bool,
) -> Result<(), ComponentError> {
    let until = Instant::now() + wait;
    loop {
        if should_stop() {
            return Err(ComponentError::Halted);
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

/// `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after_of(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The start of a response body, for messages.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".into();
    }
    let mut excerpt: String = text.chars().take(200).collect();
    if excerpt.len() < text.len() {
        excerpt.push('…');
    }
    excerpt.replace('\n', " ")
}

fn advice(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => " — the credential was refused; check it in Credentials",
        StatusCode::FORBIDDEN => " — the credential may lack the permission (scope) this needs",
        StatusCode::NOT_FOUND => " — check the URL",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after_of(&headers), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        headers.insert(
            "retry-after",
            httpdate::fmt_http_date(later).parse().unwrap(),
        );
        let wait = retry_after_of(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after_of(&headers), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stays_under_the_cap() {
        let mut client = HttpClient::new(
            Auth::None,
            RetryPolicy {
                attempts: 10,
                initial_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(1),
            },
            None,
            Duration::from_secs(5),
        )
        .unwrap();
        for (attempt, ceiling) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (9, 1000)] {
            let wait = client.backoff(attempt).as_millis() as u64;
            assert!(
                wait >= ceiling / 2 && wait <= ceiling,
                "attempt {attempt}: {wait} ms"
            );
        }
    }
}
