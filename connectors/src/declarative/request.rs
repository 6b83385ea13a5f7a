//! One request of a stream, assembled as Airbyte's `HttpRequester` does: the URL from `url` or
//! `url_base` + `path` (or a `RequestPath` page token), then parameters, headers and a JSON or
//! form body from the requester and from what the paginator, partition router and cursor inject.

use reqwest::{Method, Url};
use serde_json::{Map, Value};

use super::interpolate::{Context, Interpolator};
use super::model::{HttpRequester, InjectInto, RequestOption};

/// What the paginator, partitions and cursor add to a request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Injected {
    pub params: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body_json: Map<String, Value>,
    pub body_data: Vec<(String, String)>,
}

impl Injected {
    /// Adds `value` where `option` says.
    pub fn add(
        &mut self,
        option: &RequestOption,
        value: &Value,
        interpolator: &Interpolator,
        context: &Context,
    ) -> Result<(), String> {
        let text = text_of(value);
        if option.inject_into == InjectInto::BodyJson
            && let Some(path) = option.field_path.as_ref().filter(|path| !path.is_empty())
        {
            let mut at = &mut self.body_json;
            for (index, key) in path.iter().enumerate() {
                let key = interpolator.text(key, context)?;
                if index + 1 == path.len() {
                    at.insert(key, value.clone());
                    break;
                }
                let entry = at.entry(key).or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                at = entry.as_object_mut().expect("just made an object");
            }
            return Ok(());
        }
        let name = interpolator.text(option.field_name.as_deref().unwrap_or_default(), context)?;
        if name.is_empty() {
            return Err("a RequestOption has no `field_name`".into());
        }
        match option.inject_into {
            InjectInto::RequestParameter => set(&mut self.params, name, text),
            InjectInto::Header => set(&mut self.headers, name, text),
            InjectInto::BodyData => set(&mut self.body_data, name, text),
            InjectInto::BodyJson => {
                self.body_json.insert(name, value.clone());
            }
        }
        Ok(())
    }

    /// Both sets, `other` winning where both set the same name.
    pub fn merge(&mut self, other: Injected) {
        for (name, value) in other.params {
            set(&mut self.params, name, value);
        }
        for (name, value) in other.headers {
            set(&mut self.headers, name, value);
        }
        self.body_json.extend(other.body_json);
        for (name, value) in other.body_data {
            set(&mut self.body_data, name, value);
        }
    }
}

fn set(pairs: &mut Vec<(String, String)>, name: String, value: String) {
    pairs.retain(|(existing, _)| *existing != name);
    pairs.push((name, value));
}

/// A value as it goes into a URL or header: text as is, numbers and booleans as Python writes them.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub method: Method,
    pub url: Url,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Prepared {
    /// The request to send, with `query` (the prepared one, plus what an authenticator adds).
    pub fn to_request(
        &self,
        client: &reqwest::blocking::Client,
        query: &[(String, String)],
    ) -> reqwest::blocking::RequestBuilder {
        let mut builder = client
            .request(self.method.clone(), self.url.clone())
            .query(query);
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        match &self.body {
            Body::None => builder,
            Body::Json(body) => builder.json(body),
            Body::Form(pairs) => builder.form(pairs),
            Body::Text(text) => builder.body(text.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
    Text(String),
}

/// Assembles one request. `path_override` is a `RequestPath` page token; `base_override` the
/// node's `base_url` setting, which replaces the manifest's `url_base`.
pub fn prepare(
    requester: &HttpRequester,
    interpolator: &Interpolator,
    context: &Context,
    injected: Injected,
    path_override: Option<&str>,
    base_override: Option<&str>,
) -> Result<Prepared, String> {
    let address = address(
        requester,
        interpolator,
        context,
        path_override,
        base_override,
    )?;
    let url = Url::parse(&address)
        .map_err(|error| format!("the request URL '{address}' is not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the request URL '{address}' is not http or https"));
    }
    let method = match requester
        .http_method
        .as_deref()
        .unwrap_or("GET")
        .to_ascii_uppercase()
        .as_str()
    {
        "GET" => Method::GET,
        "POST" => Method::POST,
        other => {
            return Err(format!(
                "http_method {other} is not supported (GET or POST)"
            ));
        }
    };
    let provider = requester
        .request_options_provider
        .clone()
        .unwrap_or_default();
    let mut query = pairs(
        interpolator,
        context,
        requester
            .request_parameters
            .as_ref()
            .or(provider.request_parameters.as_ref()),
    )?;
    let mut headers = pairs(
        interpolator,
        context,
        requester
            .request_headers
            .as_ref()
            .or(provider.request_headers.as_ref()),
    )?;
    for (name, value) in injected.params {
        set(&mut query, name, value);
    }
    for (name, value) in injected.headers {
        set(&mut headers, name, value);
    }
    // Parameters whose value is empty are left out, as requests leaves out None; so are those the
    // URL carries already (a next-page URL repeats the first request's parameters).
    let in_url: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    query.retain(|pair| !pair.1.is_empty() && !in_url.contains(pair));
    let json = requester
        .request_body_json
        .as_ref()
        .or(provider.request_body_json.as_ref());
    let data = requester
        .request_body_data
        .as_ref()
        .or(provider.request_body_data.as_ref());
    // An empty JSON body is no body (as requests sends none for `json={}`).
    let json =
        json.filter(|template| !template.as_object().is_some_and(|fields| fields.is_empty()));
    let body = if let Some(template) = json {
        let mut body = match interpolator.value(template, context)? {
            Value::Object(fields) => fields,
            other => return Err(format!("request_body_json must be a mapping, not {other}")),
        };
        body.extend(injected.body_json);
        Body::Json(Value::Object(body))
    } else if !injected.body_json.is_empty() {
        Body::Json(Value::Object(injected.body_json))
    } else if let Some(Value::String(template)) = data {
        Body::Text(interpolator.text(template, context)?)
    } else if data.is_some() || !injected.body_data.is_empty() {
        let mut form = pairs(interpolator, context, data)?;
        for (name, value) in injected.body_data {
            set(&mut form, name, value);
        }
        Body::Form(form)
    } else {
        Body::None
    };
    Ok(Prepared {
        method,
        url,
        query,
        headers,
        body,
    })
}

/// The request's URL as Airbyte joins it: `url_base` + `path` when there is a `url_base`, else
/// `url` (+ `path`). A `RequestPath` page token replaces the path; the node's base URL replaces
/// `url_base`, or the scheme and host of `url`.
fn address(
    requester: &HttpRequester,
    interpolator: &Interpolator,
    context: &Context,
    path_override: Option<&str>,
    base_override: Option<&str>,
) -> Result<String, String> {
    let base = match (&requester.url_base, &requester.url) {
        (Some(url_base), _) => match base_override {
            Some(base) => base.to_string(),
            None => interpolator.text(url_base, context)?,
        },
        (None, Some(url)) => {
            let url = interpolator.text(url, context)?;
            match (base_override, Url::parse(&url)) {
                (Some(base), Ok(parsed)) => {
                    let rest = &url[parsed.origin().ascii_serialization().len()..];
                    join_url(base, rest)
                }
                _ => url,
            }
        }
        (None, None) => base_override.unwrap_or_default().to_string(),
    };
    let path = match path_override {
        Some(path) => path.replacen(&base, "", 1),
        None => interpolator.text(requester.path.as_deref().unwrap_or_default(), context)?,
    };
    Ok(join_url(&base, &path))
}

/// A mapping of templates (or a template giving one) evaluated to name–text pairs.
fn pairs(
    interpolator: &Interpolator,
    context: &Context,
    templates: Option<&Value>,
) -> Result<Vec<(String, String)>, String> {
    let Some(templates) = templates else {
        return Ok(Vec::new());
    };
    let evaluated = match templates {
        Value::Object(fields) => fields
            .iter()
            .map(|(name, template)| {
                let value = match template {
                    Value::String(text) => Value::String(interpolator.text(text, context)?),
                    other => interpolator.value(other, context)?,
                };
                Ok((interpolator.text(name, context)?, value))
            })
            .collect::<Result<Vec<_>, String>>()?,
        other => match interpolator.value(other, context)? {
            Value::Object(fields) => fields.into_iter().collect(),
            Value::Null => Vec::new(),
            Value::String(text) if text.is_empty() => Vec::new(),
            other => return Err(format!("request options must be a mapping, not {other}")),
        },
    };
    Ok(evaluated
        .into_iter()
        .map(|(name, value)| (name, text_of(&value)))
        .collect())
}

/// `url_base` and `path` joined with one slash; an absolute `path` stands alone.
pub fn join_url(base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        return path.to_string();
    }
    if path.is_empty() {
        return base.to_string();
    }
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_base_wins_over_url_and_the_node_base_replaces_either() {
        let requester = |fields: serde_json::Value| -> HttpRequester {
            serde_json::from_value(fields).unwrap()
        };
        let interpolator = Interpolator::new(chrono::Utc::now());
        let context = Context::new();
        let both = requester(
            serde_json::json!({ "url_base": "https://a.example/v1", "url": "https://b.example/x", "path": "/items" }),
        );
        assert_eq!(
            address(&both, &interpolator, &context, None, None).unwrap(),
            "https://a.example/v1/items"
        );
        let url =
            requester(serde_json::json!({ "url": "https://b.example/v2/items?all=1", "path": "" }));
        assert_eq!(
            address(&url, &interpolator, &context, None, None).unwrap(),
            "https://b.example/v2/items?all=1"
        );
        assert_eq!(
            address(
                &url,
                &interpolator,
                &context,
                None,
                Some("http://127.0.0.1:9")
            )
            .unwrap(),
            "http://127.0.0.1:9/v2/items?all=1"
        );
        let url_and_path =
            requester(serde_json::json!({ "url": "https://b.example/v2", "path": "items" }));
        assert_eq!(
            address(&url_and_path, &interpolator, &context, None, None).unwrap(),
            "https://b.example/v2/items"
        );
        assert_eq!(
            address(
                &both,
                &interpolator,
                &context,
                Some("https://a.example/v1/items?page=2"),
                None
            )
            .unwrap(),
            "https://a.example/v1/items?page=2"
        );
    }

    #[test]
    fn base_and_path_join_with_one_slash() {
        assert_eq!(
            join_url("https://api.example.com/v1/", "/users"),
            "https://api.example.com/v1/users"
        );
        assert_eq!(
            join_url("https://api.example.com/v1", "users"),
            "https://api.example.com/v1/users"
        );
        assert_eq!(
            join_url("https://api.example.com", ""),
            "https://api.example.com"
        );
        assert_eq!(
            join_url("https://api.example.com", "https://other.example.com/next"),
            "https://other.example.com/next"
        );
    }
}
