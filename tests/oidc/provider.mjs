// A real OpenID Connect provider for the sign-in tests (npm oidc-provider, pinned in
// package.json), on loopback: node tests/oidc/provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
// Users come from the OIDC_TEST_USERS environment variable (JSON: login -> {email, groups});
// its development login form accepts any password. Test use only.
import Provider from "oidc-provider";

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const users = JSON.parse(process.env.OIDC_TEST_USERS || "{}");
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri],
    response_types: ["code"],
    grant_types: ["authorization_code"],
  }],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
    groups: ["groups"],
  },
  scopes: ["openid", "email", "profile", "groups"],
  conformIdTokenClaims: false, // st.user holds the ID token's claims: put email and groups there
  pkce: { required: () => true },
  cookies: { keys: ["test-only-cookie-key"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const user = users[id] || {};
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: user.email || `${id}@clinic.test`, email_verified: true,
                 name: id, groups: user.groups || [] };
      },
    };
  },
});
provider.proxy = false;
const server = provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider ready at ${issuer}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
