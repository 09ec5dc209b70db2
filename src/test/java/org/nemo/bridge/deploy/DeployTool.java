package org.nemo.bridge.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a validator the deployment files are checked with (promtool, systemd-analyze, psql,
 * mosquitto's clients). A validator that is not installed fails the test: .ci/run installs
 * every one of them.
 */
record DeployTool(int exit, String output) {

    static DeployTool run(Path dir, List<String> command) {
        return run(dir, Map.of(), command);
    }

    static DeployTool run(Path dir, Map<String, String> environment, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        try {
            Process process = builder.start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command.get(0) + " did not finish in 120 s");
            }
            return new DeployTool(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is needed to check the deployment files (.ci/run installs it): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public String toString() {
        return "exit " + exit + ":\n" + output;
    }
}
