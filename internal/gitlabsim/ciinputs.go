package gitlabsim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Typed inputs: a CI configuration's spec:inputs (pipeline inputs, given
// with POST /projects/:id/pipeline and the trigger API) and a job's inputs:
// keyword (job inputs, given with play), validated as GitLab validates
// them and interpolated into the configuration.
//
// Pipeline inputs follow lib/gitlab/ci/config/interpolation/inputs.rb and
// inputs/{base,string,number,boolean,array}_input.rb (and their successor
// Ci::Inputs::BaseInput): an input without a default is required; type is
// string (the default), number, boolean or array; options only for string
// and number inputs, regex only for string inputs; the default is validated
// like a given value. The messages, each prefixed "`<name>` input: ":
//
//	required value has not been provided
//	provided value is not a string | number | boolean | an array
//	default value is not a string | ...
//	`<v>` cannot be used because it is not in the list of allowed options (string)
//	`<v>` cannot be used because it is not in the list of the allowed options (number)
//	provided value does not match required RegEx pattern
//	default value does not match required RegEx pattern
//	invalid regular expression
//	Options can only be used with string and number inputs
//	RegEx validation can only be used with string inputs
//
// and, not prefixed, "unknown input arguments: a, b" (the given names
// not in spec:inputs, first) and "unknown input specification for `x`
// (valid types: array, boolean, number, string)". Interpolator#error_message
// joins the first three errors with ", "; Chain::Config::Process reports it
// as the pipeline's error (400 {"message":{"base":[msg]}}). Inputs given to
// a configuration without spec:inputs are "Given inputs not defined in the
// `spec` section of the included configuration file".
//
// A given value keeps its JSON type; a string given for a number, boolean
// or array input (form-encoded requests send only strings) is read as JSON
// first, as Ci::Inputs::BaseInput#coerced_value does ("3" is 3, "true" is
// true, "[\"a\"]" an array); a string input takes strings only.
//
// Interpolation (lib/gitlab/ci/config/interpolation/template.rb, block.rb):
// "$[[ inputs.NAME ]]" in the modelled string fields (a job's name, stage,
// needs, variables and log_on_run, and workflow:name) is replaced by the
// input's value; an unknown name is "unknown interpolation key: `NAME`".
// Interpolation functions (| expand_vars, | truncate, ...) are not modelled.

// CISpec is a configuration's header (the YAML document before "---").
type CISpec struct {
	Inputs map[string]CIInput `json:"inputs"`
}

// CIInput is one input's specification (spec:inputs:NAME, or a job's
// inputs:NAME). A nil Default makes a pipeline input required; job inputs
// must have one.
type CIInput struct {
	Type        string `json:"type"` // string (default), number, boolean, array
	Default     any    `json:"default"`
	Options     []any  `json:"options"`
	Regex       string `json:"regex"`
	Description string `json:"description"`
}

var inputTypes = []string{"array", "boolean", "number", "string"}

// inputValue normalises a value decoded from JSON (numbers as json.Number
// or float64) to float64, string, bool or []any.
func inputValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = inputValue(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	}
	return v
}

// coerceInput is Ci::Inputs::BaseInput#coerced_value for the non-string types.
func coerceInput(typ string, v any) any {
	s, ok := v.(string)
	if !ok || typ == "string" || typ == "" {
		return v
	}
	var parsed any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&parsed); err != nil || dec.More() {
		return v
	}
	return inputValue(parsed)
}

// validateInputs checks given values against specs and returns the
// resolved values (defaults filled in) or the errors, in GitLab's order.
func validateInputs(specs map[string]CIInput, given map[string]any, givenOrder []string) (map[string]any, []string) {
	var errs []string
	var unknown []string
	for _, name := range givenOrder {
		if _, ok := specs[name]; !ok {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		errs = append(errs, "unknown input arguments: "+strings.Join(unknown, ", "))
	}
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	out := map[string]any{}
	for _, name := range names {
		spec := specs[name]
		typ := firstNonEmpty(spec.Type, "string")
		if !slices.Contains(inputTypes, typ) {
			errs = append(errs, fmt.Sprintf("unknown input specification for `%s` (valid types: %s)", name, strings.Join(inputTypes, ", ")))
			continue
		}
		v, has := given[name]
		if has {
			v = coerceInput(typ, inputValue(v))
			if v == nil {
				has = false
			}
		}
		ierrs := inputErrors(name, typ, spec, v, has)
		errs = append(errs, ierrs...)
		if len(ierrs) == 0 {
			if has {
				out[name] = v
			} else {
				out[name] = inputValue(spec.Default)
			}
		}
	}
	return out, errs
}

// inputErrors is BaseInput#validate! for one input.
func inputErrors(name, typ string, spec CIInput, value any, given bool) []string {
	var errs []string
	add := func(msg string) { errs = append(errs, "`"+name+"` input: "+msg) }
	required := spec.Default == nil
	if required && !given {
		add("required value has not been provided")
		return errs
	}
	run := func(v any, isDefault bool) {
		which := "provided"
		if isDefault {
			which = "default"
		}
		switch typ {
		case "string":
			if _, ok := v.(string); !ok {
				add(which + " value is not a string")
			}
		case "number":
			if _, ok := v.(float64); !ok {
				add(which + " value is not a number")
			}
		case "boolean":
			if _, ok := v.(bool); !ok {
				add(which + " value is not a boolean")
			}
		case "array":
			if _, ok := v.([]any); !ok {
				add(which + " value is not an array")
			}
		}
		if spec.Options != nil {
			switch typ {
			case "string", "number":
				if !slices.ContainsFunc(spec.Options, func(o any) bool { return comparableInput(v) && inputValue(o) == v }) {
					the := "the list of allowed options"
					if typ == "number" {
						the = "the list of the allowed options"
					}
					add("`" + renderInput(v) + "` cannot be used because it is not in " + the)
				}
			default:
				add("Options can only be used with string and number inputs")
			}
		}
		if spec.Regex != "" {
			if typ != "string" {
				add("RegEx validation can only be used with string inputs")
			} else if s, ok := v.(string); ok {
				re, err := regexp.Compile(strings.TrimSuffix(strings.TrimPrefix(spec.Regex, "/"), "/"))
				switch {
				case err != nil:
					add("invalid regular expression")
				case !re.MatchString(s):
					add(which + " value does not match required RegEx pattern")
				}
			}
		}
	}
	if !required {
		run(inputValue(spec.Default), true)
	}
	if given {
		run(value, false)
	}
	return errs
}

func comparableInput(v any) bool {
	switch v.(type) {
	case string, float64, bool:
		return true
	}
	return false
}

// renderInput is a value as Ruby's to_s shows it in a message or an
// interpolated string: integers without ".0", arrays as Ruby inspects them.
func renderInput(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if s, ok := e.(string); ok {
				parts[i] = strconv.Quote(s)
			} else {
				parts[i] = renderInput(e)
			}
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// pipelineInputBlock and jobInputBlock are the interpolation blocks
// $[[ inputs.NAME ]] and ${{ job.inputs.NAME }}.
var (
	pipelineInputBlock = regexp.MustCompile(`\$\[\[\s*inputs\.([^\s\]|]*)\s*\]\]`)
	jobInputBlock      = regexp.MustCompile(`\$\{\{\s*job\.inputs\.([^\s}|]*)\s*\}\}`)
)

// interpolate replaces the blocks of re in s by the values; an unknown
// name is added to unknown.
func interpolate(re *regexp.Regexp, s string, values map[string]any, unknown *[]string) string {
	return re.ReplaceAllStringFunc(s, func(block string) string {
		name := re.FindStringSubmatch(block)[1]
		v, ok := values[name]
		if !ok {
			if !slices.Contains(*unknown, name) {
				*unknown = append(*unknown, name)
			}
			return block
		}
		return renderInput(v)
	})
}

// interpolateValue interpolates a string value: a string that is one block
// becomes the input's value with its type (Interpolation::Template keeps
// the type of a block that is the whole value), else a string.
func interpolateValue(s string, values map[string]any, unknown *[]string) any {
	if m := pipelineInputBlock.FindStringSubmatchIndex(s); m != nil && m[0] == 0 && m[1] == len(s) {
		if v, ok := values[s[m[2]:m[3]]]; ok {
			return v
		}
	}
	return interpolate(pipelineInputBlock, s, values, unknown)
}

// givenInputs reads an `inputs` (or job_inputs) parameter: a hash (its
// names sorted: the order of the request's keys is not kept). Grape's Hash
// type refuses anything else ("<name> is invalid").
func givenInputs(params map[string]any, name string) (map[string]any, []string, bool) {
	raw, has := params[name]
	if !has || raw == nil || raw == "" {
		return nil, nil, true
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, nil, false
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return m, keys, true
}

// validateJobInputSpecs checks a job's inputs: keyword when the
// configuration is read: every input has a default (job inputs are never
// required) of its type.
func validateJobInputSpecs(specs map[string]CIInput) error {
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if specs[name].Default == nil {
			return fmt.Errorf("`%s` input: a job input must have a default value", name)
		}
	}
	for _, name := range names {
		if typ := firstNonEmpty(specs[name].Type, "string"); !slices.Contains(inputTypes, typ) {
			return fmt.Errorf("unknown input specification for `%s` (valid types: %s)", name, strings.Join(inputTypes, ", "))
		}
	}
	return nil
}

// jobInputErrors validates a job's input specifications with their
// defaults, once the configuration is interpolated (a default may be a
// pipeline input: "$[[ inputs.environment ]]").
func jobInputErrors(jobs []ciJob) string {
	for _, cj := range jobs {
		if len(cj.Inputs) == 0 {
			continue
		}
		if _, errs := validateInputs(cj.Inputs, nil, nil); len(errs) > 0 {
			return "jobs:" + cj.Name + ":inputs " + strings.Join(errs[:min(3, len(errs))], ", ")
		}
	}
	return ""
}

// jobInputs is what a job with an inputs: keyword keeps: the
// specifications, the current values, and the templates of the fields
// ${{ job.inputs.NAME }} is interpolated into.
type jobInputs struct {
	specs       map[string]CIInput
	values      map[string]any
	logTemplate string
	varTemplate map[string]string
}

// render interpolates the templates with the current values.
func (ji *jobInputs) render() (log string, vars map[string]string) {
	var unknown []string
	log = interpolate(jobInputBlock, ji.logTemplate, ji.values, &unknown)
	if len(ji.varTemplate) > 0 {
		vars = map[string]string{}
		for k, v := range ji.varTemplate {
			vars[k] = interpolate(jobInputBlock, v, ji.values, &unknown)
		}
	}
	return log, vars
}

// withValues validates job_inputs given at play and returns the job's
// inputs with them, or the errors. Values not given keep the job's
// current ones (its defaults, or what an earlier play or retry set).
func (ji *jobInputs) withValues(given map[string]any, order []string) (*jobInputs, []string) {
	merged := map[string]any{}
	for k, v := range ji.values {
		merged[k] = v
	}
	for k, v := range given {
		merged[k] = v
	}
	keys := slices.Clone(order)
	for k := range ji.values {
		if _, g := given[k]; !g {
			keys = append(keys, k)
		}
	}
	values, errs := validateInputs(ji.specs, merged, keys)
	if len(errs) > 0 {
		return nil, errs
	}
	return &jobInputs{specs: ji.specs, values: values, logTemplate: ji.logTemplate, varTemplate: ji.varTemplate}, nil
}

// interpolateConfig is Gitlab::Ci::Config's interpolation of a
// configuration with the pipeline inputs given: the jobs (and
// workflow:name) with $[[ inputs.NAME ]] replaced, or the pipeline error.
// A configuration without spec:inputs is not interpolated.
func interpolateConfig(cfg *ciConfig, given map[string]any, order []string) ([]ciJob, string, string) {
	if cfg.spec == nil {
		if len(given) > 0 {
			return nil, "", "Given inputs not defined in the `spec` section of the included configuration file"
		}
		return cfg.jobs, cfg.workflowName, ""
	}
	values, errs := validateInputs(cfg.spec.Inputs, given, order)
	if len(errs) > 0 {
		return nil, "", strings.Join(errs[:min(3, len(errs))], ", ") // Interpolator#error_message
	}
	var unknown []string
	in := func(s string) string { return interpolate(pipelineInputBlock, s, values, &unknown) }
	jobs := make([]ciJob, len(cfg.jobs))
	for i, cj := range cfg.jobs {
		cj.Name = in(cj.Name)
		cj.Needs = slices.Clone(cj.Needs)
		for k := range cj.Needs {
			cj.Needs[k] = in(cj.Needs[k])
		}
		cj.LogOnRun = in(cj.LogOnRun)
		if cj.Inputs != nil {
			specs := map[string]CIInput{}
			for k, spec := range cj.Inputs {
				if d, ok := spec.Default.(string); ok {
					spec.Default = interpolateValue(d, values, &unknown)
				}
				specs[k] = spec
			}
			cj.Inputs = specs
		}
		if cj.Variables != nil {
			vars := map[string]string{}
			for k, v := range cj.Variables {
				vars[k] = in(v)
			}
			cj.Variables = vars
		}
		jobs[i] = cj
	}
	name := in(cfg.workflowName)
	if len(unknown) > 0 {
		msgs := make([]string, len(unknown))
		for i, u := range unknown {
			msgs[i] = "unknown interpolation key: `" + u + "`"
		}
		return nil, "", strings.Join(msgs[:min(3, len(msgs))], ", ")
	}
	return jobs, name, ""
}
