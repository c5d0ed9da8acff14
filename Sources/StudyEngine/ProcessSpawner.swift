#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CStageSpawn

/// `posix_spawn` that changes directory and closes every inherited descriptor above stderr: on
/// Linux with the two glibc extensions Swift's Glibc module hides, on Darwin with its own
/// `addchdir_np` and `POSIX_SPAWN_CLOEXEC_DEFAULT` (it has no `addclosefrom_np`).
enum ProcessSpawner {
    static func spawn(path: String, arguments: [String], environment: [String], directory: String,
                      stdout: Int32, stderr: Int32) -> Result<pid_t, SpawnError> {
        #if os(Linux)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        #if os(Linux)
        _ = studyflow_addclosefrom(&actions, 3)
        _ = studyflow_addchdir(&actions, directory)
        let closeInherited: Int32 = 0
        #else
        _ = posix_spawn_file_actions_addchdir_np(&actions, directory)
        // Every descriptor the file actions above do not set up is closed in the child.
        let closeInherited = Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif

        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (for group-wide cancellation) and default signal handling in the child.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | closeInherited))

        var pid: pid_t = 0
        let rc = withCStrings(arguments, environment) { argv, envp in posix_spawn(&pid, path, &actions, &attributes, argv, envp) }
        return rc == 0 ? .success(pid) : .failure(SpawnError(code: rc))
    }
}

extension ProcessSpawner {
    /// Starts `/bin/sh`-like `path` as a stage: under a supervisor (its pid is returned) that stops
    /// the stage's whole process group when studyflow dies, even by `kill -9`, or when it is sent
    /// SIGTERM, and that keeps `inherit` (the workspace lock) open in the stage so the lock is held
    /// until the last process of the stage is gone. See `CStageSpawn.h`.
    static func spawnStage(path: String, arguments: [String], environment: [String], directory: String,
                           output: Int32, inherit: Int32?, graceSeconds: UInt32) -> Result<pid_t, SpawnError> {
        var pid: pid_t = 0
        let rc = withCStrings(arguments, environment) { argv, envp in path.withCString { cPath in
            directory.withCString { cDirectory in
                argv.withUnsafeBufferPointer { a in
                    envp.withUnsafeBufferPointer { e in
                        var request = studyflow_stage_spawn(
                            path: cPath, argv: a.baseAddress, envp: e.baseAddress, directory: cDirectory,
                            stdout_fd: output, stderr_fd: output, inherit_fd: inherit ?? -1, grace_seconds: graceSeconds)
                        return studyflow_spawn_stage(&request, &pid)
                    }
                }
            }
        } }
        return rc == 0 ? .success(pid) : .failure(SpawnError(code: rc))
    }
}

/// Calls `body` with `argv` and `envp` as NULL-terminated arrays of C strings, freed afterwards.
private func withCStrings<R>(_ arguments: [String], _ environment: [String],
                             _ body: ([UnsafeMutablePointer<CChar>?], [UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.map { strdup($0) } + [nil]
    defer {
        for p in argv { free(p) }
        for p in envp { free(p) }
    }
    return body(argv, envp)
}

/// `posix_spawn` failed with this errno.
struct SpawnError: Error {
    var code: Int32
}

#if os(Linux)
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func studyflow_addclosefrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func studyflow_addchdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32
#endif
