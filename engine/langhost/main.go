// pulumi-language-python for pulumi-svix's development engine.
//
// Why this exists: the Go module proxy this project can reach refuses the upstream language host module
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) at every version, so scripts/engine.sh
// builds this small replacement next to the pinned CLI (same sdk/v3 version). It implements the
// LanguageRuntime gRPC service well enough for `pulumi up/preview/refresh/destroy` of a Python program
// directory and for `pulumi package gen-sdk --language python`.
//
// How a program runs: the engine starts this binary with its own gRPC address as the last argument; we serve
// LanguageRuntime on a free port and print the port on stdout. On Run we start
//
//	<python> -u <dir of this binary>/pulumi-language-python-exec --monitor ... --engine ... PROGRAM ARGS...
//
// with PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS in the environment. pulumi-language-python-exec (copied
// unchanged from the sdk/v3 module) connects back to the engine and runs the program.
//
// Which python: Pulumi.yaml `runtime.options.virtualenv` (relative to the project root), else `.venv` when
// `toolchain: uv`, else $PULUMI_PYTHON_CMD, else python3 on PATH. Nothing is ever installed: dependencies
// belong to the project virtualenv (`make venv`).
//
// Lifetime: the host polls the engine address it was given (watchdog.go) and, once the engine stops answering
// (its CLI was killed), or on SIGINT/SIGTERM, it stops serving, ends the programs it started (SIGTERM, SIGKILL
// after 5 s) and exits. Processes a program starts itself are not chased.
//
// The same binary, installed as pulumi-resource-pulumi-python, is the dynamic-provider launcher (launcher.go).
//
// Not implemented (the engine gets codes.Unimplemented): RunPlugin (Python-written provider plugins),
// GenerateProgram/GenerateProject (`pulumi convert`; `pulumi import` needs --generate-code=false), Pack, Link,
// Template, debugger attach, the poetry toolchain. GetRequiredPackages returns nothing: the dynamic resources
// run through pulumi-resource-pulumi-python, and the plugin face's pulumi-resource-svix is found on PATH or
// through Pulumi.yaml's `plugins:` (it is not a downloadable package).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// The exec shim signals "error already shown to the user" with this exit code; we then ask the engine to bail
// quietly instead of adding a second, less useful error message.
const exitCodeUserActionableError = 32

func main() {
	self, err := os.Executable()
	if err != nil {
		fail("cannot locate own executable: %v", err)
	}
	self, _ = filepath.EvalSymlinks(self)
	// One binary, two roles: scripts/engine.sh links it as the dynamic-provider launcher too.
	if filepath.Base(os.Args[0]) == providerLauncherName {
		os.Exit(runProviderLauncher(self, os.Args[1:]))
	}

	// The engine may pass --logtostderr, -v=N (both registered by the glog package the SDK links in) and
	// --tracing before its own address.
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint, forwarded to the program")
	flag.Parse()
	keepRunningOnBrokenPipe()

	// stopping is cancelled when the engine is gone or we are told to stop: the gRPC server then stops and
	// every running program is ended (see Run).
	stopping, stop := context.WithCancel(context.Background())
	defer stop()
	host := &languageHost{tracing: *tracing, stopping: stopping}
	if args := flag.Args(); len(args) > 0 {
		host.engineAddress = args[len(args)-1]
	}
	// The exec shim must sit next to the language host (as with the upstream host).
	host.execShim = filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
	if _, err := os.Stat(host.execShim); err != nil {
		fail("%s is missing (run `make engine`)", host.execShim)
	}

	// SIGINT is how the engine shuts its plugins down (sent to our whole process group, so a running program
	// gets it too); SIGTERM is anyone else asking. Either way: stop serving and end the programs, rather than
	// die at once and leave them running.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-signals:
			stop()
		case <-stopping.Done():
		}
	}()
	engineGone, engineLost := context.WithCancel(stopping)
	if err := watchEngine(engineGone, host.engineAddress, engineLost); err != nil {
		fail("%v", err)
	}
	go func() {
		<-engineGone.Done()
		if stopping.Err() == nil {
			// Printed for the case where the engine is alive after all (it would show this); when it is gone,
			// the write fails quietly (see keepRunningOnBrokenPipe).
			fmt.Fprintf(os.Stderr, "pulumi-language-python: the engine at %s no longer answers; "+
				"ending the program and exiting\n", host.engineAddress)
			stop()
		}
	}()

	serverStop := make(chan bool)
	go func() {
		<-stopping.Done()
		close(serverStop) // makes rpcutil stop the server gracefully: running calls may finish
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: serverStop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fail("could not start the language host gRPC server: %v", err)
	}
	fmt.Printf("%d\n", handle.Port) // the engine reads the port from our first stdout line

	select {
	case err := <-handle.Done:
		if err != nil {
			fail("language host stopped serving: %v", err)
		}
	case <-stopping.Done():
		// The graceful stop waits for running calls. A Run ends once its program is gone, within stopGrace of
		// the stop; bound the wait anyway, in case some other call (pip list, code generation) lingers.
		select {
		case <-handle.Done:
		case <-time.After(stopGrace + 5*time.Second):
		}
		host.programs.Wait() // never longer than stopGrace: Run's WaitDelay kills a program that lingers
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: "+format+"\n", args...)
	os.Exit(1)
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
	tracing       string
	execShim      string

	stopping context.Context // cancelled when the host stops (engine gone, SIGINT, SIGTERM)
	programs sync.WaitGroup  // running programs, waited for before the host exits
}

// Handshake is only used when the engine attaches to an already running host; remember the engine address.
func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// pythonFor picks the interpreter for a program (see the file comment) and, when it lives in a virtualenv,
// that virtualenv's directory.
func pythonFor(info *pulumirpc.ProgramInfo) (python, virtualenv string, err error) {
	options := info.GetOptions().AsMap()
	toolchain, _ := options["toolchain"].(string)
	virtualenv, _ = options["virtualenv"].(string)
	switch toolchain {
	case "", "pip":
	case "uv":
		if virtualenv == "" {
			virtualenv = ".venv"
		}
	default:
		return "", "", fmt.Errorf("toolchain %q is not supported by this language host; "+
			"use `toolchain: pip` with a `virtualenv` option", toolchain)
	}

	if virtualenv != "" {
		if !filepath.IsAbs(virtualenv) {
			virtualenv = filepath.Join(info.GetRootDirectory(), virtualenv)
		}
		python = filepath.Join(virtualenv, "bin", "python")
		if _, err := os.Stat(python); err != nil {
			return "", "", fmt.Errorf("the virtualenv option in Pulumi.yaml points at %s, which has no bin/python; "+
				"create it first (in this repository: `make venv`)", virtualenv)
		}
		return python, virtualenv, nil
	}

	python = os.Getenv("PULUMI_PYTHON_CMD")
	if python == "" {
		python = "python3"
	}
	resolved, err := exec.LookPath(python)
	if err != nil {
		return "", "", fmt.Errorf("cannot find the python interpreter %q (set PULUMI_PYTHON_CMD or a virtualenv "+
			"option in Pulumi.yaml): %w", python, err)
	}
	return resolved, "", nil
}

// pythonEnv is this process's environment, adjusted like an activated virtualenv when there is one.
func pythonEnv(virtualenv string) []string {
	env := os.Environ()
	if virtualenv == "" {
		return env
	}
	out := []string{"VIRTUAL_ENV=" + virtualenv}
	for _, kv := range env {
		switch {
		case strings.HasPrefix(kv, "PYTHONHOME="), strings.HasPrefix(kv, "VIRTUAL_ENV="):
		case strings.HasPrefix(kv, "PATH="):
			out = append(out, "PATH="+filepath.Join(virtualenv, "bin")+string(os.PathListSeparator)+kv[len("PATH="):])
		default:
			out = append(out, kv)
		}
	}
	return out
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return nil, errors.New("debugging is not supported by this language host")
	}
	python, virtualenv, err := pythonFor(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	// The program: Pulumi.yaml's `main` (entry point) inside the program directory; a directory means
	// its __main__.py. Older engines only fill req.Program.
	program := req.GetProgram()
	if info := req.GetInfo(); info.GetProgramDirectory() != "" {
		program = filepath.Join(info.GetProgramDirectory(), info.GetEntryPoint())
	}
	if program == "" {
		program = "."
	}

	args := []string{"-u", h.execShim}
	flagArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engineAddress)
	flagArg("project", req.GetProject())
	flagArg("root_directory", req.GetInfo().GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("organization", req.GetOrganization())
	flagArg("pwd", req.GetPwd())
	flagArg("dry_run", fmt.Sprint(req.GetDryRun()))
	flagArg("parallel", fmt.Sprint(req.GetParallel()))
	flagArg("tracing", h.tracing)
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	// A stack without config sends no map; the exec shim needs a JSON object ("null" crashes it), and a list.
	configMap, secretKeyList := req.GetConfig(), req.GetConfigSecretKeys()
	if configMap == nil {
		configMap = map[string]string{}
	}
	if secretKeyList == nil {
		secretKeyList = []string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, fmt.Errorf("serialising config: %w", err)
	}
	secretKeys, err := json.Marshal(secretKeyList)
	if err != nil {
		return nil, fmt.Errorf("serialising secret config keys: %w", err)
	}

	// The program ends when the engine cancels this call (its connection breaks when the engine dies) or when
	// the host stops. SIGTERM first (Python exits at once by default), SIGKILL if it is still there after
	// stopGrace: either way, no program outlives the host that started it.
	h.programs.Add(1)
	defer h.programs.Done()
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	defer context.AfterFunc(h.stopping, cancelRun)()
	cmd := exec.CommandContext(runCtx, python, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopGrace
	cmd.Dir = req.GetPwd()
	// The engine shows our stdout/stderr as the program's output.
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(pythonEnv(virtualenv),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))

	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == exitCodeUserActionableError:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exitErr):
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
		}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run %s: %v", python, err)}, nil
	}
}

// InstallDependencies never installs anything (the project virtualenv is managed by `make venv`); it only
// checks that the interpreter resolves, and says so.
func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	python, _, err := pythonFor(req.GetInfo())
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("pulumi-svix language host: not installing dependencies; using %s as it is\n", python)
	return stream.Send(&pulumirpc.InstallDependenciesResponse{Stdout: []byte(msg)})
}

func (h *languageHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *languageHost) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	python, _, err := pythonFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(python, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --version: %w", python, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: python,
		Version:    strings.TrimSpace(strings.TrimPrefix(string(out), "Python ")),
	}, nil
}

// GetProgramDependencies lists what pip reports installed for the program's interpreter (`pulumi about`).
func (h *languageHost) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	python, virtualenv, err := pythonFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check")
	cmd.Env = pythonEnv(virtualenv)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("pip list: %w", err)
	}
	var installed []struct{ Name, Version string }
	if err := json.Unmarshal(out, &installed); err != nil {
		return nil, fmt.Errorf("parsing pip list output: %w", err)
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, p := range installed {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return resp, nil
}

// GeneratePackage backs `pulumi package gen-sdk --language python`: bind the schema (resolving references
// through the engine's schema loader) and write the upstream Python SDK generator's files. The `local` SDK
// option is ignored: the generated files are the same.
func (h *languageHost) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, fmt.Errorf("connecting to the schema loader: %w", err)
	}
	defer loader.Close()

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("parsing the package schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}
	if diags.HasErrors() {
		return resp, nil
	}

	files, err := python.GeneratePackage("pulumi-language-python", pkg, req.GetExtraFiles(), loader)
	if err != nil {
		return nil, err
	}
	for name, content := range files {
		path := filepath.Join(req.GetDirectory(), name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return nil, err
		}
	}
	return resp, nil
}
