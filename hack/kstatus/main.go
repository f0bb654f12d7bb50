// Command kstatus-health prints what kstatus-based tools (Flux, kpt, Config Sync, cli-utils'
// kapply) say about Kubernetes objects, and, with -health-checks, what a Flux Kustomization's
// spec.healthCheckExprs say about them.
//
// Input on stdin: JSON objects, one per line or pretty-printed, a JSON array of them, or a
// kubectl List (`kubectl get -o json`). Output: one JSON line per object,
//
//	{"name": "...", "status": "<kstatus status>", "message": "...",
//	 "flux": {"status": "...", "message": "..."}}
//
// where "flux" is present only when a health check expression covers the object's kind.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

type verdict struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

type line struct {
	Name    string   `json:"name"`
	Status  string   `json:"status"`
	Message string   `json:"message"`
	Flux    *verdict `json:"flux,omitempty"`
}

func main() {
	healthChecks := flag.String("health-checks", "",
		"a Flux Kustomization (YAML); its spec.healthCheckExprs are evaluated too")
	flag.Parse()
	evaluators := map[schema.GroupKind]*evaluator{}
	if *healthChecks != "" {
		var err error
		if evaluators, err = loadHealthChecks(*healthChecks); err != nil {
			fail(err)
		}
	}
	objects, err := readObjects(os.Stdin)
	if err != nil {
		fail(err)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	for _, obj := range objects {
		u := &unstructured.Unstructured{Object: obj}
		res, err := status.Compute(u)
		if err != nil {
			fail(fmt.Errorf("%s: %w", u.GetName(), err))
		}
		result := line{Name: u.GetName(), Status: res.Status.String(), Message: res.Message}
		if e := evaluators[u.GroupVersionKind().GroupKind()]; e != nil {
			result.Flux = e.evaluate(context.Background(), u)
		}
		if err := out.Encode(result); err != nil {
			fail(err)
		}
	}
}

// readObjects accepts a stream of JSON values: objects, arrays of objects, or Lists. Numbers
// are decoded as the API machinery does (whole numbers as int64), which kstatus relies on.
func readObjects(r io.Reader) ([]map[string]any, error) {
	dec := json.NewDecoder(bufio.NewReader(r))
	var objects []map[string]any
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return objects, nil
		} else if err != nil {
			return nil, err
		}
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
			var items []map[string]any
			if err := utiljson.Unmarshal(raw, &items); err != nil {
				return nil, err
			}
			objects = append(objects, items...)
			continue
		}
		var obj map[string]any
		if err := utiljson.Unmarshal(raw, &obj); err != nil {
			return nil, err
		}
		if kind, _ := obj["kind"].(string); strings.HasSuffix(kind, "List") {
			items, _ := obj["items"].([]any)
			for _, item := range items {
				if m, ok := item.(map[string]any); ok {
					objects = append(objects, m)
				}
			}
			continue
		}
		objects = append(objects, obj)
	}
}

// The fields of one spec.healthCheckExprs entry of a Flux Kustomization.
type healthCheck struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	InProgress string `json:"inProgress"`
	Failed     string `json:"failed"`
	Current    string `json:"current"`
}

func loadHealthChecks(path string) (map[schema.GroupKind]*evaluator, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var kustomization struct {
		Spec struct {
			HealthCheckExprs []healthCheck `json:"healthCheckExprs"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &kustomization); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	evaluators := map[schema.GroupKind]*evaluator{}
	for _, hc := range kustomization.Spec.HealthCheckExprs {
		e, err := newEvaluator(hc)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", hc.APIVersion, hc.Kind, err)
		}
		evaluators[schema.FromAPIVersionAndKind(hc.APIVersion, hc.Kind).GroupKind()] = e
	}
	return evaluators, nil
}

// evaluator mirrors github.com/fluxcd/pkg/runtime/cel (StatusEvaluator and Expression, as
// used by kustomize-controller for spec.healthCheckExprs since Flux 2.5, RFC-0009):
//   - expressions are parsed, not type-checked, in the same environment options, and run
//     with the object's top-level fields (apiVersion, metadata, status, ...) as variables;
//   - a status.observedGeneration that differs from metadata.generation is InProgress;
//   - then inProgress, failed, current are evaluated in that order, the first true wins;
//     none true is InProgress;
//   - an evaluation error (say, `status` not there yet) makes the object Unknown, as
//     cli-utils' generic status reader reports a status function's error; Flux keeps
//     waiting on it until its timeout.
type evaluator struct {
	checks []check
}

type check struct {
	status status.Status
	prog   cel.Program
	expr   string
}

func newEvaluator(hc healthCheck) (*evaluator, error) {
	if hc.Current == "" {
		return nil, fmt.Errorf("expression current not specified")
	}
	env, err := cel.NewEnv(
		cel.HomogeneousAggregateLiterals(),
		cel.EagerlyValidateDeclarations(true),
		cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		ext.Strings(),
		ext.Sets(),
		ext.Encoders(),
	)
	if err != nil {
		return nil, err
	}
	e := &evaluator{}
	for _, c := range []struct {
		status status.Status
		expr   string
	}{
		{status.InProgressStatus, hc.InProgress},
		{status.FailedStatus, hc.Failed},
		{status.CurrentStatus, hc.Current},
	} {
		if c.expr == "" {
			continue
		}
		ast, issues := env.Parse(c.expr)
		if issues != nil && issues.Err() != nil {
			return nil, fmt.Errorf("parsing %q: %w", c.expr, issues.Err())
		}
		prog, err := env.Program(ast,
			cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(100))
		if err != nil {
			return nil, err
		}
		e.checks = append(e.checks, check{c.status, prog, c.expr})
	}
	return e, nil
}

func (e *evaluator) evaluate(ctx context.Context, u *unstructured.Unstructured) *verdict {
	obj := u.UnstructuredContent()
	observed, found, err := unstructured.NestedInt64(obj, "status", "observedGeneration")
	if err != nil {
		return &verdict{status.UnknownStatus.String(), err.Error()}
	}
	generation, hasGeneration, _ := unstructured.NestedInt64(obj, "metadata", "generation")
	if found && hasGeneration && observed != generation {
		return &verdict{status.InProgressStatus.String(), "generation not observed yet"}
	}
	for _, c := range e.checks {
		val, _, err := c.prog.ContextEval(ctx, obj)
		if err != nil {
			return &verdict{status.UnknownStatus.String(), fmt.Sprintf("%s: %v", c.expr, err)}
		}
		result, ok := val.(types.Bool)
		if !ok {
			return &verdict{status.UnknownStatus.String(), c.expr + ": not a boolean"}
		}
		if result {
			return &verdict{c.status.String(), c.expr}
		}
	}
	return &verdict{status.InProgressStatus.String(), "no expression is true"}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kstatus-health:", err)
	os.Exit(1)
}
