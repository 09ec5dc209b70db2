package org.nemo.bridge.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Route files another local user could have written are not loaded (a route runs as the
 * service and can read its secrets): on real files, with real owners and modes. Run as root
 * (as CI does) to hand a file to another user.
 */
class RouteFileOwnershipTest {

    @TempDir
    Path work;

    Path routes;

    @BeforeEach
    void routesDirectory() throws IOException {
        routes = Files.createDirectory(work.resolve("routes"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    }

    @Test
    void aFileOfTheServicesUserThatOnlyItCanWriteIsLoaded() throws IOException {
        Path mine = file(routes, "mine.yaml", "rw-r--r--");
        RouteFiles files = RouteFiles.resolve(routes, true);
        assertThat(files.fromDirectory()).containsExactly(mine.toAbsolutePath().normalize());
        assertThat(files.refused()).isEmpty();
    }

    @Test
    void aFileOwnedByAnotherUserIsRefusedWithItsOwnerNamed() throws IOException {
        Path evil = file(routes, "evil.yaml", "rw-r--r--");
        Files.setOwner(evil, nobody());
        RouteFiles files = RouteFiles.resolve(routes, true);
        assertThat(files.fromDirectory()).isEmpty();
        assertThat(files.refused()).containsOnlyKeys(evil.toAbsolutePath().normalize());
        assertThat(files.refused().get(evil.toAbsolutePath().normalize())).startsWith("owned by nobody, not by the service's user");
        assertThat(files.includePattern()).doesNotContain("evil.yaml");
    }

    @Test
    void aFileWritableByItsGroupOrByOthersIsRefused() throws IOException {
        Path group = file(routes, "group.yaml", "rw-rw-r--");
        Path others = file(routes, "others.yaml", "rw-r--rw-");
        RouteFiles files = RouteFiles.resolve(routes, true);
        assertThat(files.fromDirectory()).isEmpty();
        assertThat(files.refused().get(group.toAbsolutePath().normalize())).startsWith("writable by its group (chmod go-w ");
        assertThat(files.refused().get(others.toAbsolutePath().normalize())).startsWith("writable by others (chmod go-w ");
    }

    @Test
    void everyFileOfADirectoryOthersCanWriteIsRefused() throws IOException {
        Path mine = file(routes, "mine.yaml", "rw-r--r--");
        Files.setPosixFilePermissions(routes, PosixFilePermissions.fromString("rwxrwxrwx"));
        RouteFiles files = RouteFiles.resolve(routes, true);
        assertThat(files.fromDirectory()).isEmpty();
        assertThat(files.refused().get(mine.toAbsolutePath().normalize())).startsWith("its directory ").contains("writable by others");
    }

    @Test
    void aLinkIsJudgedByTheFileAndTheDirectoryItEndsIn() throws IOException {
        Path open = Files.createDirectory(work.resolve("open"));
        Path target = file(open, "linked.yaml", "rw-r--r--");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createSymbolicLink(routes.resolve("linked.yaml"), target);
        assertThat(RouteFiles.resolve(routes, true).refused().values()).singleElement().asString()
                .startsWith("its directory " + open.toRealPath());

        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(RouteFiles.resolve(routes, true).fromDirectory()).hasSize(1);
    }

    @Test
    void aRefusedFileInPlaceOfTheJarsLeavesTheJarsFileRunning() throws IOException {
        file(routes, "outbox.yaml", "rw-rw-rw-");
        RouteFiles files = RouteFiles.resolve(routes, true);
        assertThat(files.includePattern()).contains("classpath:routes/outbox.yaml").doesNotContain("file:");
    }

    @Test
    void theCheckCanBeTurnedOffForADevelopmentMachine() throws IOException {
        file(routes, "group.yaml", "rw-rw-r--");
        Files.setPosixFilePermissions(routes, PosixFilePermissions.fromString("rwxrwxr-x"));
        RouteFiles files = RouteFiles.resolve(routes, false);
        assertThat(files.fromDirectory()).hasSize(1);
        assertThat(files.refused()).isEmpty();
    }

    private static Path file(Path directory, String name, String mode) throws IOException {
        Path file = Files.writeString(directory.resolve(name), "- route:\n    id: " + name.replace(".yaml", "") + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    static UserPrincipal nobody() throws IOException {
        return java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    }
}
