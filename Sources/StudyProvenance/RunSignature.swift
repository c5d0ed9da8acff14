import StudyCore

/// What a run commit's SSH signature says, checked as `git verify-commit` checks it: the bytes
/// against the signature (`ssh-keygen -Y check-novalidate`), then the key against the allowed
/// signers (`gpg.ssh.allowedSignersFile`, `-Y find-principals` and `-Y verify`).
public enum RunSignature: Sendable, Equatable {
    /// No `gpgsig` header.
    case unsigned
    /// A good signature by `principal` (nil: no allowed-signers file to name it) with key `fingerprint`.
    case good(principal: String?, fingerprint: String)
    /// A signature that is sound but by a key the allowed-signers file does not list.
    case unknownKey(fingerprint: String)
    /// The signature does not match the commit: the commit was rewritten, or the signature forged.
    case bad(reason: String)

    /// `alice@lab (SHA256:…)`, `SHA256:… (unverified)`, `unsigned`, `BAD signature`.
    public var signer: String {
        switch self {
        case .unsigned: return "unsigned"
        case .good(let principal?, let fingerprint): return "\(principal) (\(fingerprint))"
        case .good(nil, let fingerprint): return "\(fingerprint) (not checked: no gpg.ssh.allowedSignersFile)"
        case .unknownKey(let fingerprint): return "unknown key \(fingerprint)"
        case .bad: return "BAD signature"
        }
    }
}

extension RunLedger {
    /// The signature of run commit `commit`, checked with ssh-keygen.
    public func signature(of commit: GitOID) throws -> RunSignature {
        guard let found = try repository.signature(of: commit) else { return .unsigned }
        let tool = try SSHKeygen.scratch()
        defer { tool.remove() }
        let data = try tool.file("commit", found.signed)
        let sig = try tool.file("commit.sig", found.signature)
        let check = try tool.run(["-Y", "check-novalidate", "-n", "git", "-s", sig], stdin: data)
        guard check.ok, let fingerprint = Self.fingerprint(in: check.output + check.errors) else {
            return .bad(reason: SigningError.essence(check.errors + "\n" + check.output))
        }
        guard let allowed = GitConfig(root: layout.root)["gpg.ssh.allowedsignersfile"].map(GitConfig.expandingHome) else {
            return .good(principal: nil, fingerprint: fingerprint)
        }
        let find = try tool.run(["-Y", "find-principals", "-f", allowed, "-s", sig], stdin: data)
        for principal in find.output.split(separator: "\n").map(String.init) where find.ok && !principal.isEmpty {
            let verify = try tool.run(["-Y", "verify", "-f", allowed, "-I", principal, "-n", "git", "-s", sig], stdin: data)
            if verify.ok { return .good(principal: principal, fingerprint: fingerprint) }
        }
        return .unknownKey(fingerprint: fingerprint)
    }

    /// The problems of the run history's signatures, newest first, one line each: every run
    /// newer than the oldest signed one must carry a good signature by a key of
    /// `gpg.ssh.allowedSignersFile`. Runs recorded before signing began are not problems: each
    /// signed run's commit names its parent, so its signature covers the whole history below it.
    /// A history with no signed run has no problems here (nothing claims to be signed).
    public func verifySignatures() throws -> [String] {
        var checked: [(run: LoggedRun, signature: RunSignature)] = []
        for run in try runs(allWorkspaces: true) { checked.append((run, try signature(of: run.commit))) }
        guard let oldestSigned = checked.lastIndex(where: { $0.signature != .unsigned }) else { return [] }
        if GitConfig(root: layout.root)["gpg.ssh.allowedsignersfile"] == nil {
            return ["git config 'gpg.ssh.allowedSignersFile' is not set, so no signer can be trusted; "
                + "list the allowed keys in a file and run 'git config gpg.ssh.allowedSignersFile PATH'"]
        }
        var problems: [String] = []
        for (run, signature) in checked[...oldestSigned] {
            let name = "\(run.label) commit \(run.commit.short)"
            switch signature {
            case .good: continue
            case .unsigned: problems.append("\(name) is unsigned in a signed history")
            case .unknownKey(let fingerprint): problems.append("\(name) is signed by unknown key \(fingerprint), not in gpg.ssh.allowedSignersFile")
            case .bad(let reason): problems.append("\(name) has a bad signature (rewritten or forged): \(reason)")
            }
        }
        return problems
    }

    /// The `SHA256:…` fingerprint in ssh-keygen's "Good "git" signature with ED25519 key SHA256:…".
    static func fingerprint(in text: String) -> String? {
        guard let range = text.range(of: "SHA256:") else { return nil }
        return String(text[range.lowerBound...].prefix { !$0.isWhitespace })
    }
}

extension RunLedger {
    /// Whether the newest run commit on the ref (any workspace's) carries a signature.
    public func tipIsSigned() throws -> Bool {
        guard let tip = try repository.resolve(Self.ref) else { return false }
        return try repository.signature(of: tip) != nil
    }
}
