package main

// Not outliving the engine. Both roles of this binary (the language host, and the dynamic-provider launcher in
// launcher.go) are started by the `pulumi` CLI with the address of its gRPC server as their last argument. When
// that CLI dies without shutting its plugins down (SIGKILL, OOM, a CI job cancelled), nothing else ever stops
// them: they were reparented to init and, before this file existed, lived on indefinitely with the engine's port
// closed. Like the upstream language hosts we poll the engine with rpcutil.Healthcheck and stop when it fails.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
)

const (
	// How often the engine is asked whether it is still there. Upstream hosts use 5 minutes; one check is a unary
	// gRPC call on an established loopback connection (microseconds of CPU), so we can afford to notice a dead
	// engine within about a second instead of leaving processes (and a blocked create) behind for minutes. A
	// busy but live engine cannot fail a check: the call has no deadline, and only a broken connection (the
	// engine's process is gone) makes it fail.
	engineCheckInterval = time.Second

	// Time a child gets between SIGTERM and SIGKILL when we stop it; the engine gives its plugins the same.
	stopGrace = 5 * time.Second
)

// watchEngine calls stop once the engine at address no longer answers health checks. An empty address (the
// host was started by hand, or attached to with --attach style debugging) is not watched.
func watchEngine(ctx context.Context, address string, stop context.CancelFunc) error {
	if address == "" {
		return nil
	}
	if err := rpcutil.Healthcheck(ctx, address, engineCheckInterval, stop); err != nil {
		return fmt.Errorf("could not start the health check of the engine at %s: %w", address, err)
	}
	return nil
}

// keepRunningOnBrokenPipe makes writes to a closed stdout/stderr fail with EPIPE instead of killing us. Our
// stdout and stderr are pipes read by the engine: once it is gone, the first message we print would otherwise
// end this process with SIGPIPE before it has stopped its children. (Notify, unlike Ignore, is not inherited
// by the children we exec.)
func keepRunningOnBrokenPipe() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}

// leadsProcessGroup: the engine starts every plugin as the leader of a new process group (cmdutil.
// RegisterProcessGroup) and, when it shuts a plugin down, signals that whole group. Children that stay in our
// group are therefore reached by the engine's own SIGINT and SIGKILL, and by ours.
func leadsProcessGroup() bool {
	return syscall.Getpgrp() == os.Getpid()
}

// exitCodeOf maps the result of exec.Cmd.Wait to the exit code a shell would report.
func exitCodeOf(err error) int {
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr):
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			return 128 + int(status.Signal())
		}
		return exitErr.ExitCode()
	default:
		return 1
	}
}
