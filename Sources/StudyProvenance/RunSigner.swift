import CLibGit2
import StudyCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a run cannot be signed or its signatures not checked.
public enum SigningError: Error, CustomStringConvertible {
    /// `git config user.signingKey` is not set.
    case noKey(reason: String)
    /// `gpg.format` is not `ssh`.
    case wrongFormat(String, reason: String)
    /// The key file named by `user.signingKey` does not exist or cannot be read.
    case unreadableKey(path: String, reason: String, cause: String)
    /// ssh-keygen failed.
    case toolFailed(operation: String, message: String)

    public var description: String {
        switch self {
        case .noKey(let reason):
            return "\(reason) but git config 'user.signingKey' is not set; run 'git config gpg.format ssh' and "
                + "'git config user.signingKey ~/.ssh/id_ed25519' (a private key file, or 'key::ssh-ed25519 AAAA…' with the key in ssh-agent)"
        case .wrongFormat(let format, let reason):
            return "\(reason) but git config 'gpg.format' is '\(format)'; studyflow signs with SSH keys only: run 'git config gpg.format ssh'"
        case .unreadableKey(let path, let reason, let cause):
            return "\(reason) but the signing key '\(path)' (git config 'user.signingKey') cannot be read (\(cause)); "
                + "point 'user.signingKey' at an existing SSH private key"
        case .toolFailed(let operation, let message):
            let text = message.split(separator: "\n").first.map(String.init) ?? ""
            return "cannot \(operation): \(text.isEmpty ? "ssh-keygen failed" : text)"
        }
    }
}

/// Signs run commits the way git does for `gpg.format ssh`: `ssh-keygen -Y sign -n git` over the
/// commit's bytes, the armored signature stored in the commit's `gpgsig` header. The key is git's
/// own setting, `user.signingKey`, so `git verify-commit` and `git log --show-signature` accept
/// the result with the user's `gpg.ssh.allowedSignersFile`.
public struct RunSigner: Sendable {
    /// The `-f` argument of ssh-keygen: a private key file, or a public key file for a key held by ssh-agent.
    let keyFile: String
    /// `key::…` literal public key: written to a scratch file at each signing, signed by the agent.
    let literalKey: String?

    /// The signer configured for the repository containing `root` (or the global git config when
    /// there is none). `reason` starts the messages ("signing is on ('sign: true' in 'x.yaml')").
    /// Checks everything before anything runs: the format, the key, and one trial signature (a
    /// key that needs a passphrase nobody can type, an agent that is not running).
    public static func configured(root: String, reason: String) throws -> RunSigner {
        let config = GitConfig(root: root)
        let format = config["gpg.format"] ?? "openpgp"
        guard format.lowercased() == "ssh" else { throw SigningError.wrongFormat(format, reason: reason) }
        guard let key = config["user.signingkey"], !key.isEmpty else { throw SigningError.noKey(reason: reason) }
        let signer: RunSigner
        if key.hasPrefix("key::") || key.hasPrefix("ssh-") {
            signer = RunSigner(keyFile: "", literalKey: key.hasPrefix("key::") ? String(key.dropFirst(5)) : key)
        } else {
            let path = GitConfig.expandingHome(key)
            guard access(path, R_OK) == 0 else { throw SigningError.unreadableKey(path: key, reason: reason, cause: String(cString: strerror(errno))) }
            signer = RunSigner(keyFile: path, literalKey: nil)
        }
        _ = try signer.sign(Array("studyflow signing check\n".utf8))
        return signer
    }

    /// The armored `-----BEGIN SSH SIGNATURE-----` block over `bytes` (namespace `git`).
    public func sign(_ bytes: [UInt8]) throws -> String {
        let tool = try SSHKeygen.scratch()
        defer { tool.remove() }
        let data = try tool.file("commit", bytes)
        var arguments = ["-Y", "sign", "-n", "git", "-f", keyFile]
        if let literalKey {
            arguments[5] = try tool.file("key.pub", Array((literalKey + "\n").utf8))
            arguments.append("-U")
        }
        let result = try tool.run(arguments, stdin: data)
        guard result.ok, result.output.contains("-----BEGIN SSH SIGNATURE-----") else {
            throw SigningError.toolFailed(operation: "sign with '\(literalKey == nil ? keyFile : "key::…")' (git config 'user.signingKey')",
                                          message: result.errors)
        }
        return result.output
    }
}

/// Git configuration values as git reads them: the repository's config over the global and
/// system ones (libgit2's snapshot); the global and system ones alone outside a repository.
struct GitConfig {
    private var values: [String: String] = [:]

    init(root: String) {
        _ = git_libgit2_init()
        var repo: OpaquePointer?
        var config: OpaquePointer?
        if git_repository_open_ext(&repo, root, 0, nil) == 0, let repo {
            _ = git_repository_config_snapshot(&config, repo)
            git_repository_free(repo)
        }
        if config == nil {
            var live: OpaquePointer?
            if git_config_open_default(&live) == 0, let live {
                _ = git_config_snapshot(&config, live)
                git_config_free(live)
            }
        }
        guard let config else { return }
        defer { git_config_free(config) }
        for name in ["gpg.format", "user.signingkey", "gpg.ssh.allowedsignersfile"] {
            var buffer = git_buf()
            if git_config_get_string_buf(&buffer, config, name) == 0, let pointer = buffer.ptr {
                values[name] = String(cString: pointer)
            }
            git_buf_dispose(&buffer)
        }
    }

    /// A value by its lowercase name.
    subscript(name: String) -> String? { values[name] }

    /// `~/x` → `$HOME/x`, as git expands path-valued settings.
    static func expandingHome(_ path: String) -> String {
        guard path.hasPrefix("~/"), let home = getenv("HOME") else { return path }
        return String(cString: home) + String(path.dropFirst())
    }
}
