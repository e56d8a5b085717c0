// The Go floor for bench/sidecar: what a small Go TLS reverse proxy that checks
// the same tokens costs (kube-rbac-proxy's shape, which the module proxy here
// does not serve). net/http/httputil in front of the app; a request passes only
// with an ES256 token signed by a key of the JWKS file, unexpired, for this
// audience, issuer and pod, used once. No logging, no metrics: a floor, not a
// product. Prints "listening on <port>" once it serves.
//
// As a pod's sidecar (bench/node, image localhost/podprof-bench-go-proxy:dev) it
// takes what the podprof sidecar takes there: without --jwks-file the JWKS from
// $PODPROF_JWKS, and without --cert a self-signed ECDSA certificate made at start.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

type jwks struct {
	Keys []struct {
		Kid string `json:"kid"`
		Crv string `json:"crv"`
		X   string `json:"x"`
		Y   string `json:"y"`
	} `json:"keys"`
}

type claims struct {
	Iss     string  `json:"iss"`
	Aud     string  `json:"aud"`
	Exp     float64 `json:"exp"`
	Iat     float64 `json:"iat"`
	Jti     string  `json:"jti"`
	Podprof struct {
		Namespace string `json:"namespace"`
		Pod       string `json:"pod"`
		UID       string `json:"uid"`
		Type      string `json:"type"`
	} `json:"podprof"`
}

type verifier struct {
	keys                map[string]*ecdsa.PublicKey
	namespace, pod, uid string
	mu                  sync.Mutex
	used                map[string]float64
}

func b64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func loadKeys(file string) (map[string]*ecdsa.PublicKey, error) {
	raw, err := []byte(os.Getenv("PODPROF_JWKS")), error(nil)
	if file != "" {
		raw, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, err
	}
	var set jwks
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, err
	}
	out := map[string]*ecdsa.PublicKey{}
	for _, k := range set.Keys {
		x, err1 := b64(k.X)
		y, err2 := b64(k.Y)
		if err1 != nil || err2 != nil || k.Crv != "P-256" {
			return nil, fmt.Errorf("key %s is not a P-256 JWK", k.Kid)
		}
		out[k.Kid] = &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
	}
	return out, nil
}

func (v *verifier) check(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	parts := strings.Split(token, ".")
	if !ok || len(parts) != 3 {
		return false
	}
	var header struct{ Alg, Kid string }
	hb, err := b64(parts[0])
	if err != nil || json.Unmarshal(hb, &header) != nil || header.Alg != "ES256" {
		return false
	}
	key := v.keys[header.Kid]
	sig, err := b64(parts[2])
	if key == nil || err != nil || len(sig) != 64 {
		return false
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(key, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return false
	}
	var c claims
	pb, err := b64(parts[1])
	if err != nil || json.Unmarshal(pb, &c) != nil {
		return false
	}
	now := float64(time.Now().Unix())
	if c.Iss != "podprof-gateway" || c.Aud != "podprof-sidecar" || now >= c.Exp+5 || c.Iat > now+5 || c.Exp-c.Iat > 300 || c.Jti == "" {
		return false
	}
	if c.Podprof.Namespace != v.namespace || c.Podprof.Pod != v.pod || c.Podprof.UID != v.uid || !strings.HasSuffix(r.URL.Path, "/"+c.Podprof.Type) {
		return false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, seen := v.used[c.Jti]; seen {
		return false
	}
	for j, exp := range v.used {
		if exp+5 < now {
			delete(v.used, j)
		}
	}
	v.used[c.Jti] = c.Exp
	return true
}

// selfSigned: a P-256 certificate for this process only, as the podprof sidecar makes without --tls-cert-file.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "podprof-bench-go-proxy"},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "")
	upstream := flag.String("upstream", "", "")
	jwksFile := flag.String("jwks-file", "", "")
	cert := flag.String("cert", "", "")
	key := flag.String("key", "", "")
	namespace := flag.String("pod-namespace", "", "")
	pod := flag.String("pod-name", "", "")
	uid := flag.String("pod-uid", "", "")
	flag.Parse()
	target, err := url.Parse(*upstream)
	keys, err2 := loadKeys(*jwksFile)
	var pair tls.Certificate
	var err3 error
	if *cert == "" {
		pair, err3 = selfSigned()
	} else {
		pair, err3 = tls.LoadX509KeyPair(*cert, *key)
	}
	for _, e := range []error{err, err2, err3} {
		if e != nil {
			fmt.Fprintln(os.Stderr, e)
			os.Exit(2)
		}
	}
	v := &verifier{keys: keys, namespace: *namespace, pod: *pod, uid: *uid, used: map[string]float64{}}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(p *httputil.ProxyRequest) {
			p.SetURL(target)
			p.Out.Header = http.Header{"Accept": {"*/*"}}
		},
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second},
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !v.check(r) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("listening on %d\n", ln.Addr().(*net.TCPAddr).Port)
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}}
	fmt.Fprintln(os.Stderr, srv.ServeTLS(ln, "", ""))
	os.Exit(1)
}
