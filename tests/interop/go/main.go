// Command egwinterop verifies Eligibility Gateway receipts, checkpoints and
// consistency proofs with independent, widely used Go implementations:
// golang.org/x/mod/sumdb/note for signed notes and
// github.com/transparency-dev/merkle for RFC 6962/9162 proofs. It shares no code
// with the gateway, which is the point: a receipt must verify without it.
//
// Usage: go run . INPUT.json   (or "-" for standard input)
//
// INPUT.json:
//
//	{
//	  "verifierKey": "<name>+<hex8>+<base64>",        // or "verifierKeys": [...]
//	  "checkpoints": ["<signed note>", ...],
//	  "receipts": [{"logOrigin", "leafIndex", "leaf", "checkpoint", "inclusionProof"}],
//	  "consistency": {"from", "to", "proof", "fromCheckpoint", "toCheckpoint", "fromRoot", "toRoot"}
//	}
//
// Receipts have the shape of the gateway's decision receipt (CONTRACT.md), so they
// can be pasted as they come; unknown fields are ignored. leaf, proof hashes and
// roots are standard base64. It prints one summary line and exits 1 on any failure.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

type receipt struct {
	LogOrigin      string   `json:"logOrigin"`
	LeafIndex      uint64   `json:"leafIndex"`
	Leaf           string   `json:"leaf"`
	Checkpoint     string   `json:"checkpoint"`
	InclusionProof []string `json:"inclusionProof"`
}

type consistency struct {
	From           uint64   `json:"from"`
	To             uint64   `json:"to"`
	Proof          []string `json:"proof"`
	FromCheckpoint string   `json:"fromCheckpoint"`
	ToCheckpoint   string   `json:"toCheckpoint"`
	FromRoot       string   `json:"fromRoot"`
	ToRoot         string   `json:"toRoot"`
}

type input struct {
	VerifierKey  string       `json:"verifierKey"`
	VerifierKeys []string     `json:"verifierKeys"`
	Checkpoints  []string     `json:"checkpoints"`
	Receipts     []receipt    `json:"receipts"`
	Consistency  *consistency `json:"consistency"`
}

type checkpoint struct {
	origin string
	size   uint64
	root   []byte
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: egwinterop INPUT.json (or - for stdin)")
		os.Exit(2)
	}
	var raw []byte
	var err error
	if os.Args[1] == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "read input:", err)
		os.Exit(2)
	}
	var in input
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "parse input:", err)
		os.Exit(2)
	}
	failures := run(in)
	for _, f := range failures {
		fmt.Fprintln(os.Stderr, "FAIL", f)
	}
	cons := 0
	if in.Consistency != nil {
		cons = 1
	}
	status := "ok"
	if len(failures) > 0 {
		status = "FAILED"
	}
	fmt.Printf("egwinterop %s: %d checkpoints, %d receipts, %d consistency proofs, %d failures (x/mod/sumdb/note + transparency-dev/merkle)\n",
		status, len(in.Checkpoints), len(in.Receipts), cons, len(failures))
	if len(failures) > 0 {
		os.Exit(1)
	}
}

func run(in input) []string {
	var failures []string
	fail := func(format string, args ...any) { failures = append(failures, fmt.Sprintf(format, args...)) }

	keys := in.VerifierKeys
	if in.VerifierKey != "" {
		keys = append([]string{in.VerifierKey}, keys...)
	}
	var verifiers []note.Verifier
	for _, k := range keys {
		v, err := note.NewVerifier(k)
		if err != nil {
			fail("verifier key %q: %v", k, err)
			continue
		}
		verifiers = append(verifiers, v)
	}
	if len(verifiers) == 0 {
		fail("no usable verifier key")
		return failures
	}
	known := note.VerifierList(verifiers...)

	for i, text := range in.Checkpoints {
		if _, err := openCheckpoint(text, known); err != nil {
			fail("checkpoints[%d]: %v", i, err)
		}
	}

	for i, r := range in.Receipts {
		if err := verifyReceipt(r, known); err != nil {
			fail("receipts[%d] (leaf %d): %v", i, r.LeafIndex, err)
		}
	}

	if c := in.Consistency; c != nil {
		if err := verifyConsistency(*c, known); err != nil {
			fail("consistency %d -> %d: %v", c.From, c.To, err)
		}
	}
	return failures
}

func verifyReceipt(r receipt, known note.Verifiers) error {
	cp, err := openCheckpoint(r.Checkpoint, known)
	if err != nil {
		return err
	}
	if r.LogOrigin != "" && r.LogOrigin != cp.origin {
		return fmt.Errorf("logOrigin %q but checkpoint origin %q", r.LogOrigin, cp.origin)
	}
	leaf, err := base64.StdEncoding.DecodeString(r.Leaf)
	if err != nil {
		return fmt.Errorf("leaf: %v", err)
	}
	hashes, err := decodeHashes(r.InclusionProof)
	if err != nil {
		return fmt.Errorf("inclusionProof: %v", err)
	}
	leafHash := rfc6962.DefaultHasher.HashLeaf(leaf)
	return proof.VerifyInclusion(rfc6962.DefaultHasher, r.LeafIndex, cp.size, leafHash, hashes, cp.root)
}

func verifyConsistency(c consistency, known note.Verifiers) error {
	root1, err := rootOf(c.From, c.FromCheckpoint, c.FromRoot, known)
	if err != nil {
		return fmt.Errorf("from: %v", err)
	}
	root2, err := rootOf(c.To, c.ToCheckpoint, c.ToRoot, known)
	if err != nil {
		return fmt.Errorf("to: %v", err)
	}
	hashes, err := decodeHashes(c.Proof)
	if err != nil {
		return fmt.Errorf("proof: %v", err)
	}
	return proof.VerifyConsistency(rfc6962.DefaultHasher, c.From, c.To, hashes, root1, root2)
}

// rootOf takes the root from a signed checkpoint when there is one (and checks that
// its size is the one claimed), else from a bare base64 root.
func rootOf(size uint64, cpText, rootB64 string, known note.Verifiers) ([]byte, error) {
	if cpText != "" {
		cp, err := openCheckpoint(cpText, known)
		if err != nil {
			return nil, err
		}
		if cp.size != size {
			return nil, fmt.Errorf("checkpoint is for size %d, not %d", cp.size, size)
		}
		return cp.root, nil
	}
	if rootB64 == "" {
		return nil, errors.New("neither a checkpoint nor a root")
	}
	return base64.StdEncoding.DecodeString(rootB64)
}

// openCheckpoint verifies the note's signature and parses the C2SP tlog-checkpoint
// body: origin, decimal size, base64 root hash, optional extension lines.
func openCheckpoint(text string, known note.Verifiers) (checkpoint, error) {
	n, err := note.Open([]byte(text), known)
	if err != nil {
		return checkpoint{}, fmt.Errorf("signed note: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 || lines[0] == "" {
		return checkpoint{}, errors.New("checkpoint body has fewer than 3 lines")
	}
	if lines[1] != "0" && strings.HasPrefix(lines[1], "0") {
		return checkpoint{}, errors.New("checkpoint size has a leading zero")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint size: %v", err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != rfc6962.DefaultHasher.Size() {
		return checkpoint{}, fmt.Errorf("checkpoint root hash is not %d bytes of base64", rfc6962.DefaultHasher.Size())
	}
	for i, ext := range lines[3:] {
		if ext == "" {
			return checkpoint{}, fmt.Errorf("checkpoint extension line %d is empty", i+1)
		}
	}
	return checkpoint{origin: lines[0], size: size, root: root}, nil
}

func decodeHashes(in []string) ([][]byte, error) {
	out := make([][]byte, len(in))
	for i, s := range in {
		h, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %v", i, err)
		}
		out[i] = h
	}
	return out, nil
}
