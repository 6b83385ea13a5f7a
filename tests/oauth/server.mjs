// A real OAuth2 authorization server for the tests (npm oauth2-mock-server: authorization code
// with PKCE S256, refresh tokens, client credentials, RFC 7009 revocation), made strict where
// providers are: a refresh token is single-use (rotation), access tokens expire after
// TOKEN_TTL seconds, and an API next to it accepts only live access tokens.
// Prints one JSON line {"issuer", "api"} once both listen on 127.0.0.1; stops on stdin EOF.
import http from "node:http";
import { OAuth2Server } from "oauth2-mock-server";

const ttl = Number(process.env.TOKEN_TTL ?? "3600");
const server = new OAuth2Server();
await server.issuer.keys.generate("RS256");

const liveAccessTokens = new Map(); // token -> expiry (ms)
const liveRefreshTokens = new Set();
const stats = { grants: {}, revoked: [], refused_refresh: 0, api_401: 0, issued: [] };

server.service.on("beforeResponse", (response, request) => {
  const grant = request.body.grant_type;
  if (grant === "refresh_token") {
    if (!liveRefreshTokens.has(request.body.refresh_token)) {
      stats.refused_refresh += 1;
      response.statusCode = 400;
      response.body = { error: "invalid_grant", error_description: "the refresh token was already used or revoked" };
      return;
    }
    liveRefreshTokens.delete(request.body.refresh_token); // rotated: the old one is spent
  }
  stats.grants[grant] = (stats.grants[grant] ?? 0) + 1;
  response.body.expires_in = ttl;
  liveAccessTokens.set(response.body.access_token, Date.now() + ttl * 1000);
  stats.issued.push(response.body.access_token);
  if (response.body.refresh_token) {
    liveRefreshTokens.add(response.body.refresh_token);
    stats.issued.push(response.body.refresh_token);
  }
});
// The mock server does not parse the revocation request's form body: read it here.
server.service.on("beforeRevoke", (_response, request) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    const token = new URLSearchParams(body).get("token");
    stats.revoked.push(token);
    liveRefreshTokens.delete(token);
    liveAccessTokens.delete(token);
  });
});

await server.start(0, "127.0.0.1");

const items = Array.from({ length: 7 }, (_, index) => ({ id: index + 1, name: `item ${index + 1}` }));
const api = http.createServer((request, response) => {
  const url = new URL(request.url, "http://127.0.0.1");
  if (url.pathname === "/invalidate-access-tokens" && request.method === "POST") {
    // What a provider does when the user changes their password: live access tokens stop working.
    liveAccessTokens.clear();
    response.writeHead(204).end();
    return;
  }
  if (url.pathname === "/stats") {
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
    return;
  }
  const token = (request.headers.authorization ?? "").replace(/^Bearer /, "");
  const expiry = liveAccessTokens.get(token);
  if (!expiry || expiry < Date.now()) {
    stats.api_401 += 1;
    response.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Bearer error="invalid_token"' }).end('{"message":"token expired or invalid"}');
    return;
  }
  const page = Number(url.searchParams.get("page") ?? "1");
  const slice = items.slice((page - 1) * 3, page * 3);
  const headers = { "content-type": "application/json" };
  if (page * 3 < items.length) headers.link = `</api/items?page=${page + 1}>; rel="next"`;
  response.writeHead(200, headers).end(JSON.stringify(slice));
});
await new Promise((resolve) => api.listen(0, "127.0.0.1", resolve));

// Everything on 127.0.0.1 (the issuer names itself localhost).
console.log(JSON.stringify({ issuer: server.issuer.url.replace("localhost", "127.0.0.1"), api: `http://127.0.0.1:${api.address().port}` }));
process.stdin.resume();
process.stdin.on("end", async () => {
  api.close();
  await server.stop();
  process.exit(0);
});
