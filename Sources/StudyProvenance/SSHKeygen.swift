import StudyCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// OpenSSH's `ssh-keygen -Y`, the program git itself runs for `gpg.format ssh`: it signs and
/// verifies run commits, so a run's signature is exactly what `git verify-commit` checks.
///
/// Each call runs in a private scratch directory (mode 0700) holding the files ssh-keygen reads
/// (the signed bytes, the signature, the allowed-signers list); stdin, stdout and stderr are files
/// there, so nothing waits on a pipe. A non-zero exit is a normal result, not a thrown error.
struct SSHKeygen {
    /// What one ssh-keygen call printed and how it ended.
    struct Result {
        var status: Int32
        var output: String
        var errors: String
        var ok: Bool { status == 0 }
    }

    /// The scratch directory of this call.
    let directory: String

    /// A fresh scratch directory under `$TMPDIR` (or /tmp); `remove()` deletes it.
    static func scratch() throws -> SSHKeygen {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/studyflow-sign-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SigningError.toolFailed(operation: "create a scratch directory in '\(base)'", message: String(cString: strerror(errno)))
        }
        return SSHKeygen(directory: String(cString: made))
    }

    /// Deletes the scratch directory.
    func remove() { try? FileIO.removeTree(directory) }

    /// Writes `bytes` to the file `name` of the scratch directory and returns its path.
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = directory + "/" + name
        try FileIO.writeAtomically(path, bytes, durable: false)
        return path
    }

    /// Runs `ssh-keygen arguments` (found on PATH) with stdin from the file `stdin`.
    func run(_ arguments: [String], stdin: String) throws -> Result {
        let out = directory + "/stdout", err = directory + "/stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = (["ssh-keygen"] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        #if os(Linux)
        let environment = environ
        #else
        let environment = _NSGetEnviron().pointee
        #endif
        // The environment passes on SSH_AUTH_SOCK (ssh-agent) and HOME.
        let code = posix_spawnp(&pid, "ssh-keygen", &actions, nil, argv, environment)
        guard code == 0 else {
            throw SigningError.toolFailed(operation: "run 'ssh-keygen'",
                                          message: "\(String(cString: strerror(code))); install OpenSSH's client (e.g. 'apt-get install openssh-client')")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exit, output: FileIO.readText(out) ?? "", errors: FileIO.readText(err) ?? "")
    }
}
