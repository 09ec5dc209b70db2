package org.nemo.bridge.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A route file runs as the service, with its secrets in reach ({@code ${env:...}}), so it is
 * loaded only when nobody but the service's user or root could have written it: the file and
 * its directory owned by one of them and writable by neither group nor others (sshd's
 * StrictModes). A file on a read-only file system passes whatever its mode says: a Kubernetes
 * ConfigMap mount is root-owned, its directories mode 0777, and mounted read-only. Where the
 * file system has no POSIX permissions there is nothing to check.
 */
public final class RouteFileOwnership {

    private static final String ROOT = "root";

    private RouteFileOwnership() {
    }

    /**
     * Why {@code file} may not be loaded, or empty when it may. Links are followed: the file
     * and directory checked are the ones the link ends at, and the directory it was found in.
     */
    public static Optional<String> refusal(Path file) {
        String service = System.getProperty("user.name");
        Set<Path> checked = new LinkedHashSet<>();
        try {
            Path real = file.toRealPath();
            checked.add(real);
            checked.add(real.getParent());
            checked.add(file.toAbsolutePath().getParent().toRealPath());
            for (Path path : checked) {
                Optional<String> why = refusal(path, service);
                if (why.isPresent()) {
                    return path.equals(real) ? why : why.map(w -> "its directory " + path + " is " + w);
                }
            }
        } catch (UnsupportedOperationException noPosix) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("it cannot be read (" + e.getMessage() + ")");
        }
        return Optional.empty();
    }

    private static Optional<String> refusal(Path path, String service) throws IOException {
        if (Files.getFileStore(path).isReadOnly()) {
            return Optional.empty();
        }
        PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class);
        String owner = attributes.owner().getName();
        if (!owner.equals(service) && !owner.equals(ROOT)) {
            return Optional.of("owned by " + owner + ", not by the service's user (" + service + ") or root");
        }
        Set<PosixFilePermission> permissions = attributes.permissions();
        if (permissions.contains(PosixFilePermission.GROUP_WRITE) || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
            return Optional.of("writable by " + (permissions.contains(PosixFilePermission.OTHERS_WRITE) ? "others" : "its group")
                    + " (chmod go-w " + path + ")");
        }
        return Optional.empty();
    }
}
