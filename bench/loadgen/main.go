// The benchmark's open-loop HTTP generator (issue 14), in Go so that its schedule does not share
// an event loop with the answers it reads: each request is sent from its own goroutine at its
// intended time, and a late answer cannot delay the next send. It reads one JSON job on stdin
// and writes one JSON result on stdout, in the shape of bench/lib/open-loop.ts's samples:
// latency counted from the intended time (no coordinated omission), each send's lag recorded.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

type job struct {
	URL        string            `json:"url"`
	Path       string            `json:"path"`
	Method     string            `json:"method"`
	Headers    map[string]string `json:"headers"`
	Bodies     []string          `json:"bodies"`
	KeyPrefix  string            `json:"keyPrefix"`
	Rate       float64           `json:"rate"`
	DurationMs float64           `json:"durationMs"`
	WarmupMs   float64           `json:"warmupMs"`
	DrainMs    float64           `json:"drainMs"`
}

type sample struct {
	Intended float64 `json:"intended"`
	Lag      float64 `json:"lag"`
	Latency  float64 `json:"latency"`
	OK       bool    `json:"ok"`
	answered bool
}

type result struct {
	Samples    []sample `json:"samples"`
	Unanswered int      `json:"unanswered"`
	Answered   int      `json:"answered"`
	EndMs      float64  `json:"endMs"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func main() {
	var j job
	if err := json.NewDecoder(os.Stdin).Decode(&j); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: bad job:", err)
		os.Exit(2)
	}
	if j.Method == "" {
		j.Method = "GET"
	}
	if j.DrainMs == 0 {
		j.DrainMs = 10_000
	}
	client := &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        4096,
			MaxIdleConnsPerHost: 4096,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
	count := int((j.Rate * (j.DurationMs + j.WarmupMs)) / 1000)
	interval := 1000 / j.Rate
	samples := make([]sample, count)
	var mu sync.Mutex
	answered := 0
	done := make(chan struct{})
	start := time.Now().Add(5 * time.Millisecond)
	for i := 0; i < count; i++ {
		intended := float64(i) * interval
		due := start.Add(time.Duration(intended * float64(time.Millisecond)))
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		lag := ms(time.Since(start)) - intended
		samples[i].Intended = intended
		samples[i].Lag = lag
		go func(i int, intended float64) {
			ok := send(client, &j, i)
			latency := ms(time.Since(start)) - intended
			mu.Lock()
			samples[i].Latency = latency
			samples[i].OK = ok
			samples[i].answered = true
			answered++
			if answered == count {
				close(done)
			}
			mu.Unlock()
		}(i, intended)
	}
	if count == 0 {
		close(done)
	}
	select {
	case <-done:
	case <-time.After(time.Duration(j.DrainMs * float64(time.Millisecond))):
	}
	mu.Lock()
	end := ms(time.Since(start))
	out := result{Answered: answered, EndMs: end}
	for _, s := range samples {
		if s.Intended < j.WarmupMs {
			continue
		}
		if !s.answered {
			out.Unanswered++
			s.Latency = end - s.Intended
		}
		s.Intended -= j.WarmupMs
		out.Samples = append(out.Samples, s)
	}
	mu.Unlock()
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

func send(client *http.Client, j *job, i int) bool {
	var body io.Reader
	if len(j.Bodies) > 0 {
		body = bytes.NewBufferString(j.Bodies[i%len(j.Bodies)])
	}
	req, err := http.NewRequest(j.Method, j.URL+j.Path, body)
	if err != nil {
		return false
	}
	for k, v := range j.Headers {
		req.Header.Set(k, v)
	}
	if j.KeyPrefix != "" {
		req.Header.Set("idempotency-key", fmt.Sprintf("%s-%d", j.KeyPrefix, i))
	}
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode == 200 || res.StatusCode == 201
}
