package main

import (
	"net/http"
	"runtime/trace"
	"time"
)

// serveFlightRecorder keeps the last `age` of execution in a runtime/trace
// flight recorder (Go 1.25+) and serves a snapshot of it at path: what
// podprof.io/flight-recorder names, so podprof can take a trace of the last
// seconds with the same RBAC as any trace (pods/trace).
func serveFlightRecorder(mux *http.ServeMux, path string, age time.Duration) error {
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: age, MaxBytes: 64 << 20})
	if err := fr.Start(); err != nil {
		return err
	}
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		if _, err := fr.WriteTo(w); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
		}
	})
	return nil
}
