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
    /// ssh-keygen could not sign with the key: a passphrase nobody can type, no agent, not a key.
    case cannotSign(key: String, reason: String, message: String)
    /// ssh-keygen could not be run, or failed otherwise.
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
        case .cannotSign(let key, let reason, let message):
            return "\(reason) but ssh-keygen cannot sign with '\(key)' (git config 'user.signingKey'): \(Self.essence(message)); "
                + "add the key to ssh-agent ('ssh-add \(key)'), or point 'user.signingKey' at a usable SSH private key"
        case .toolFailed(let operation, let message):
            return "cannot \(operation): \(Self.essence(message))"
        }
    }

    /// The line of ssh-keygen's stderr that says what went wrong (not its progress and prompts).
    static func essence(_ message: String) -> String {
        // ssh-keygen ends its log lines with "\r\n", one Character that is not "\n".
        let lines = message.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map { line in
            var text = String(line)
            while text.hasPrefix("Enter passphrase: ") { text.removeFirst("Enter passphrase: ".count) }
            while let last = text.last, last == " " || last == "\r" || last == "\t" { text.removeLast() }
            return text
        }.filter { !$0.isEmpty && $0 != "Signing data on standard input" && !$0.hasPrefix("Signing file") }
        return lines.last ?? "ssh-keygen failed"
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
    /// Why signing is on, for messages: "signing is on ('--sign')".
    let reason: String

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
            signer = RunSigner(keyFile: "", literalKey: key.hasPrefix("key::") ? String(key.dropFirst(5)) : key, reason: reason)
        } else {
            let path = GitConfig.expandingHome(key)
            guard access(path, R_OK) == 0 else { throw SigningError.unreadableKey(path: key, reason: reason, cause: String(cString: strerror(errno))) }
            signer = RunSigner(keyFile: path, literalKey: nil, reason: reason)
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
            throw SigningError.cannotSign(key: literalKey == nil ? keyFile : "key::…", reason: reason, message: result.errors)
        }
        return result.output
    }
}
