// Command traceload keeps the demo app busy while the trace benchmark records
// it: concurrent keep-alive clients requesting a cheap endpoint, so the trace
// fills with scheduling, network and syscall events.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "", "URL to request")
	clients := flag.Int("clients", 8, "concurrent clients")
	duration := flag.Duration("duration", 10*time.Second, "how long to run")
	flag.Parse()
	if *url == "" {
		log.Fatal("-url is required")
	}
	var n atomic.Int64
	deadline := time.Now().Add(*duration)
	var wg sync.WaitGroup
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			for time.Now().Before(deadline) {
				res, err := c.Get(*url)
				if err != nil {
					log.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	fmt.Println(n.Load())
}
