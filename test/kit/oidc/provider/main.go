// A real OpenID provider for podprof's tests: zitadel/oidc's op package with
// the in-memory storage and login page of its example server, serving HTTPS on
// loopback. Users (with groups) and clients come from a JSON config the test
// writes; the ID token carries preferred_username, email and groups. Every
// request is logged to stderr as "request METHOD PATH", so a test can count
// JWKS fetches. Prints {"issuer":"https://127.0.0.1:PORT"} when ready.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

type userConfig struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	Email    string   `json:"email"`
	Groups   []string `json:"groups"`
}

type clientConfig struct {
	ID string `json:"id"`
	// Empty: a public client (PKCE, no secret), as a CLI is.
	Secret string `json:"secret"`
	// Exact redirect URIs; loopback http ones match any port (RFC 8252).
	RedirectURIs []string `json:"redirectURIs"`
	// Globs (e.g. https://127.0.0.1:*/auth/oidc/callback).
	RedirectGlobs  []string `json:"redirectGlobs"`
	IDTokenSeconds int      `json:"idTokenSeconds"`
}

type config struct {
	Users   []userConfig   `json:"users"`
	Clients []clientConfig `json:"clients"`
}

// client implements op.Client and op.HasRedirectGlobs.
type client struct{ c clientConfig }

func (c client) GetID() string                        { return c.c.ID }
func (c client) RedirectURIs() []string               { return c.c.RedirectURIs }
func (c client) RedirectURIGlobs() []string           { return c.c.RedirectGlobs }
func (c client) PostLogoutRedirectURIGlobs() []string { return nil }
func (c client) PostLogoutRedirectURIs() []string     { return nil }
func (c client) ApplicationType() op.ApplicationType {
	if c.c.Secret == "" {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}
func (c client) AuthMethod() oidc.AuthMethod {
	if c.c.Secret == "" {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeDeviceCode}
}
func (c client) LoginURL(id string) string           { return "/login/username?authRequestID=" + id }
func (c client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c client) IDTokenLifetime() time.Duration {
	if c.c.IDTokenSeconds > 0 {
		return time.Duration(c.c.IDTokenSeconds) * time.Second
	}
	return time.Hour
}
func (c client) DevMode() bool { return false }
func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) IsScopeAllowed(string) bool           { return true }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c client) ClockSkew() time.Duration             { return 0 }

type users struct {
	byID   map[string]*storage.User
	groups map[string][]string
}

func (u users) GetUserByID(id string) *storage.User { return u.byID[id] }
func (u users) GetUserByUsername(name string) *storage.User {
	for _, x := range u.byID {
		if x.Username == name {
			return x
		}
	}
	return nil
}
func (u users) ExampleClientID() string { return storage.ServiceUserID }

// store is the example's in-memory storage with our clients and a groups claim.
type store struct {
	*storage.Storage
	users   users
	clients map[string]client
}

func (s *store) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if c, ok := s.clients[id]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("client not found")
}

func (s *store) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.clients[id]
	if !ok || c.c.Secret == "" || c.c.Secret != secret {
		return fmt.Errorf("invalid client")
	}
	return nil
}

// SetUserinfoFromRequest fills the ID token: the subject, username, email and groups.
func (s *store) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	u := s.users.byID[req.GetSubject()]
	if u == nil {
		return fmt.Errorf("user not found")
	}
	info.Subject = u.ID
	info.PreferredUsername = u.Username
	info.Email = u.Email
	info.EmailVerified = oidc.Bool(true)
	info.AppendClaims("groups", s.users.groups[u.ID])
	return nil
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve HTTPS on")
	certFile := flag.String("tls-cert-file", "", "serving certificate (PEM)")
	keyFile := flag.String("tls-key-file", "", "serving key (PEM)")
	configFile := flag.String("config", "", "users and clients (JSON)")
	flag.Parse()

	raw, err := os.ReadFile(*configFile)
	if err != nil {
		fail(err)
	}
	var cfg config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		fail(fmt.Errorf("%s: %w", *configFile, err))
	}
	us := users{byID: map[string]*storage.User{}, groups: map[string][]string{}}
	for _, u := range cfg.Users {
		us.byID[u.ID] = &storage.User{ID: u.ID, Username: u.Username, Password: u.Password, Email: u.Email, EmailVerified: true, PreferredLanguage: language.English}
		us.groups[u.ID] = u.Groups
	}
	clients := map[string]client{}
	for _, c := range cfg.Clients {
		clients[c.ID] = client{c}
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fail(err)
	}
	issuer := fmt.Sprintf("https://%s", ln.Addr().String())
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := &store{Storage: storage.NewStorageWithClients(us, map[string]*storage.Client{}), users: us, clients: clients}
	router := exampleop.SetupServer(issuer, s, logger, false)
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(os.Stderr, "request %s %s\n", r.Method, r.URL.Path)
		router.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: logged, ReadHeaderTimeout: 10 * time.Second}
	out, _ := json.Marshal(map[string]string{"issuer": issuer})
	fmt.Println(string(out))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	if err := srv.ServeTLS(ln, *certFile, *keyFile); err != nil && err != http.ErrServerClosed {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "oidc-provider:", err)
	os.Exit(1)
}
