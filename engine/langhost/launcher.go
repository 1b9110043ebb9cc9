package main

// The dynamic-provider launcher. The engine runs Python dynamic providers as the plugin
// `pulumi-resource-pulumi-python`, upstream a shell script that starts `python -u -m pulumi.dynamic ENGINE`.
// That Python server never checks on the engine (it waits on an Event forever), so a provider whose engine was
// killed stays alive for good, together with its shell. scripts/engine.sh therefore installs this binary under
// the plugin's name and the unchanged upstream script next to it as providerScriptName; in this role we run the
// script as our child and stop it (with the Python it started) as soon as the engine stops answering.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

const (
	providerLauncherName = "pulumi-resource-pulumi-python"
	providerScriptName   = "pulumi-resource-pulumi-python.sh"
)

// runProviderLauncher runs the upstream launcher script with args (the engine's flags, then its address) and
// returns the exit code to leave with.
func runProviderLauncher(self string, args []string) int {
	keepRunningOnBrokenPipe()
	script := filepath.Join(filepath.Dir(self), providerScriptName)

	cmd := exec.Command(script, args...)
	// The engine talks to the provider directly: it reads the port from the provider's stdout and shows its
	// stderr, so the child gets our three standard streams as they are.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// The script and its Python must be stoppable as one. Started by the engine we lead a process group: the
	// child stays in it, so the engine's own group signals (SIGINT at shutdown, SIGKILL 5 s later) reach the
	// Python too even if this process is already gone. When we do not lead our group (started by some other
	// program), that group is not ours to signal: the child gets a group of its own.
	group := -os.Getpid()
	separateGroup := !leadsProcessGroup()
	if separateGroup {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: cannot start %s: %v\n", providerLauncherName, script, err)
		return 1
	}
	if separateGroup {
		group = -cmd.Process.Pid
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	engineGone, stopWatching := context.WithCancel(context.Background())
	defer stopWatching()
	var address string
	if len(args) > 0 {
		address = args[len(args)-1]
	}
	if err := watchEngine(engineGone, address, stopWatching); err != nil {
		// Without a watch we would be no better than the plain script, so say why and carry on serving.
		fmt.Fprintf(os.Stderr, "%s: %v\n", providerLauncherName, err)
	}

	for {
		select {
		case err := <-exited:
			return exitCodeOf(err)
		case sig := <-signals:
			if sig == syscall.SIGINT {
				// The engine's shutdown signal. In the engine's group the Python received it too and stops by
				// itself (the engine kills the group if it does not); in a group of its own it must be passed on.
				if separateGroup {
					_ = syscall.Kill(group, syscall.SIGINT)
				}
				continue
			}
			return stopGroup(group, exited)
		case <-engineGone.Done():
			fmt.Fprintf(os.Stderr, "%s: the engine at %s no longer answers; stopping the provider\n",
				providerLauncherName, address)
			return stopGroup(group, exited)
		}
	}
}

// stopGroup sends SIGTERM to the process group (Python's default action for it is to exit at once), and SIGKILL
// after stopGrace if the launched script has not exited by then. When group is our own group, the SIGTERM
// reaches us too and is caught (signal.Notify above), and the SIGKILL ends us with the rest.
func stopGroup(group int, exited <-chan error) int {
	_ = syscall.Kill(group, syscall.SIGTERM)
	select {
	case err := <-exited:
		// The script is gone; its Python, if still stopping, got the same SIGTERM.
		return exitCodeOf(err)
	case <-time.After(stopGrace):
		_ = syscall.Kill(group, syscall.SIGKILL)
		return exitCodeOf(<-exited)
	}
}
