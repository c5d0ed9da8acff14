import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// Signed runs end to end with the real OpenSSH `ssh-keygen` and the real git: `run` signs each
/// run commit with `user.signingKey`, git's own `verify-commit` and `log --show-signature` accept
/// it, and `log` / `audit --verify` report signers, rewritten commits, unknown keys and unsigned runs.
@Suite("signed runs")
struct SignedRunTests {
    /// Keys in their own directory (outside the workspace): alice is allowed, bob is not.
    final class Keys: Sendable {
        let directory = TemporaryDirectory()
        var alice: String { directory.path + "/alice" }
        var bob: String { directory.path + "/bob" }
        var allowedSigners: String { directory.path + "/allowed_signers" }

        init() throws {
            for name in ["alice", "bob"] {
                let result = try Self.sshKeygen(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", directory.path + "/" + name])
                #expect(result == 0)
            }
            let alicePublic = try String(contentsOfFile: directory.path + "/alice.pub", encoding: .utf8)
            directory.write("allowed_signers", "alice@lab " + alicePublic)
        }

        static func sshKeygen(_ arguments: [String]) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
            process.arguments = arguments
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// An empty HOME, so the machine's global git config (a signing key of its own) plays no part.
    static let home = TemporaryDirectory()
    static var environment: [String: String] { ["HOME": home.path, "GIT_CONFIG_NOSYSTEM": "1"] }

    static func git(_ args: [String], in dir: String) throws -> GitCLI.Output {
        try GitCLI.run(["-c", "core.hooksPath=/dev/null"] + args, in: dir)
    }

    /// The provenance workspace in a git repository, signing with `key` (nil: no key configured),
    /// `sign: true` in the workflow when `workflowSigns`.
    static func repository(keys: Keys, key: String?, workflowSigns: Bool = true) throws -> TemporaryDirectory {
        let dir = try ProvenanceCommandsTests.repository()
        if workflowSigns {
            dir.write("Workflows/main.yaml", "sign: true\n" + ProvenanceCommandsTests.workflow)
            try ProvenanceCommandsTests.git(["commit", "-qam", "sign runs"], in: dir.path)
        }
        try ProvenanceCommandsTests.git(["config", "gpg.format", "ssh"], in: dir.path)
        try ProvenanceCommandsTests.git(["config", "gpg.ssh.allowedSignersFile", keys.allowedSigners], in: dir.path)
        if let key { try ProvenanceCommandsTests.git(["config", "user.signingKey", key], in: dir.path) }
        return dir
    }

    static func run(_ arguments: [String], in dir: TemporaryDirectory) throws -> CLI.Result {
        try CLI.run(arguments + ["-C", dir.path], environment: environment)
    }

    @Test("a signed run: git verify-commit and log --show-signature accept it, log names the signer, audit --verify passes")
    func goodSignature() throws {
        let keys = try Keys()
        let dir = try Self.repository(keys: keys, key: keys.alice)
        let first = try Self.run(["run"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let verify = try Self.git(["verify-commit", "refs/studyflow/runs"], in: dir.path)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stderr.contains("Good \"git\" signature for alice@lab with ED25519 key SHA256:"))
        let shown = try Self.git(["log", "--show-signature", "refs/studyflow/runs"], in: dir.path)
        #expect(shown.stdout.contains("Good \"git\" signature for alice@lab"))

        // The no-op shortcut signs too.
        let second = try Self.run(["run"], in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try Self.git(["rev-list", "--count", "refs/studyflow/runs"], in: dir.path).stdout == "2\n")
        #expect(try Self.git(["verify-commit", "refs/studyflow/runs"], in: dir.path).status == 0)
        #expect(try Self.git(["verify-commit", "refs/studyflow/runs~1"], in: dir.path).status == 0)

        let log = try Self.run(["log"], in: dir)
        #expect(log.status == 0)
        let lines = log.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines { #expect(line.contains("  signed alice@lab (SHA256:"), "\(line)") }
        let json = try Self.run(["log", "--json", "-n", "1"], in: dir)
        #expect(json.stdout.contains("\"signer\":\"alice@lab (SHA256:"), "\(json.stdout)")

        let audit = try Self.run(["audit", "results/count.txt", "--verify"], in: dir)
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
    }

    @Test("a rewritten run commit that keeps its signature is reported as bad by audit --verify and log, and git rejects it")
    func tamperedCommit() throws {
        let keys = try Keys()
        let dir = try Self.repository(keys: keys, key: keys.alice)
        #expect(try Self.run(["run"], in: dir).status == 0)
        let original = try Self.git(["cat-file", "commit", "refs/studyflow/runs"], in: dir.path).stdout
        #expect(original.contains("gpgsig -----BEGIN SSH SIGNATURE-----"))
        // Rewrite the message, keep every header (the signature too), store it and move the ref.
        let forged = original.replacingOccurrences(of: "run 1: 2 stages", with: "run 1: 3 stages")
        #expect(forged != original)
        let file = dir.path + "/.forged-commit"
        try forged.write(toFile: file, atomically: true, encoding: .utf8)
        let id = try Self.git(["hash-object", "-t", "commit", "-w", file], in: dir.path).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Self.git(["update-ref", "refs/studyflow/runs", id], in: dir.path).status == 0)

        #expect(try Self.git(["verify-commit", "refs/studyflow/runs"], in: dir.path).status != 0)
        let audit = try Self.run(["audit", "results/count.txt", "--verify"], in: dir)
        #expect(audit.status == 1)
        let short = String(id.prefix(12))
        #expect(audit.stdout.contains("commit \(short) has a bad signature (rewritten or forged)"), "\(audit.stdout)")
        #expect(try Self.run(["log"], in: dir).stdout.contains("  signed BAD signature"))
    }

    @Test("a run signed by a key missing from the allowed signers is reported as unknown")
    func unknownKey() throws {
        let keys = try Keys()
        let dir = try Self.repository(keys: keys, key: keys.bob)
        #expect(try Self.run(["run"], in: dir).status == 0)
        #expect(try Self.git(["verify-commit", "refs/studyflow/runs"], in: dir.path).status != 0)
        let audit = try Self.run(["audit", "results/count.txt", "--verify"], in: dir)
        #expect(audit.status == 1)
        #expect(audit.stdout.contains("is signed by unknown key SHA256:"), "\(audit.stdout)")
        #expect(audit.stdout.contains(", not in gpg.ssh.allowedSignersFile"))
        #expect(try Self.run(["log"], in: dir).stdout.contains("  signed unknown key SHA256:"))
    }

    @Test("an unsigned run on top of a signed one is reported; an all-unsigned history is not")
    func unsignedInSignedHistory() throws {
        let keys = try Keys()
        let dir = try Self.repository(keys: keys, key: keys.alice, workflowSigns: false)
        #expect(try Self.run(["run"], in: dir).status == 0)
        #expect(try Self.run(["audit", "results/count.txt", "--verify"], in: dir).status == 0)
        #expect(!(try Self.run(["log"], in: dir).stdout.contains("signed")))

        dir.write("data/raw.txt", "alpha\ngamma\n")
        try ProvenanceCommandsTests.git(["commit", "-qam", "edit"], in: dir.path)
        #expect(try Self.run(["run", "--sign"], in: dir).status == 0)
        #expect(try Self.run(["audit", "results/count.txt", "--verify"], in: dir).status == 0, "older unsigned runs are below a signed one")

        dir.write("data/raw.txt", "alpha\ndelta\n")
        try ProvenanceCommandsTests.git(["commit", "-qam", "edit again"], in: dir.path)
        #expect(try Self.run(["run"], in: dir).status == 0)
        let audit = try Self.run(["audit", "results/count.txt", "--verify"], in: dir)
        #expect(audit.status == 1)
        #expect(audit.stdout.contains("is unsigned in a signed history"), "\(audit.stdout)")
        #expect(audit.stdout.contains("run 3 (id "))
    }

    @Test("a missing or unusable key stops the run before anything runs: exit 2, nothing written")
    func missingKey() throws {
        let keys = try Keys()
        let dir = try Self.repository(keys: keys, key: nil)
        let result = try Self.run(["run"], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr == """
            studyflow: error: signing is on ('sign: true' in 'Workflows/main.yaml') but git config 'user.signingKey' is not set; \
            run 'git config gpg.format ssh' and 'git config user.signingKey ~/.ssh/id_ed25519' (a private key file, \
            or 'key::ssh-ed25519 AAAA…' with the key in ssh-agent)

            """)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/.studyflow"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/results"))
        #expect(try Self.git(["rev-parse", "--verify", "-q", "refs/studyflow/runs"], in: dir.path).status != 0)

        try ProvenanceCommandsTests.git(["config", "user.signingKey", keys.directory.path + "/nobody"], in: dir.path)
        let missingFile = try Self.run(["run"], in: dir)
        #expect(missingFile.status == 2)
        #expect(missingFile.stderr == """
            studyflow: error: signing is on ('sign: true' in 'Workflows/main.yaml') but the signing key \
            '\(keys.directory.path)/nobody' (git config 'user.signingKey') cannot be read (No such file or directory); \
            point 'user.signingKey' at an existing SSH private key

            """)

        try ProvenanceCommandsTests.git(["config", "user.signingKey", keys.alice], in: dir.path)
        try ProvenanceCommandsTests.git(["config", "gpg.format", "openpgp"], in: dir.path)
        let wrongFormat = try Self.run(["run"], in: dir)
        #expect(wrongFormat.status == 2)
        #expect(wrongFormat.stderr == """
            studyflow: error: signing is on ('sign: true' in 'Workflows/main.yaml') but git config 'gpg.format' is 'openpgp'; \
            studyflow signs with SSH keys only: run 'git config gpg.format ssh'

            """)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/results"))
    }

    @Test("'run --sign' without a key fails the same way on a later run, before any stage runs")
    func missingKeyWithFlag() throws {
        let keys = try Keys()
        let dir = try Self.repository(keys: keys, key: nil, workflowSigns: false)
        #expect(try Self.run(["run"], in: dir).status == 0)
        dir.write("data/raw.txt", "alpha\ngamma\n")
        let result = try Self.run(["run", "--sign"], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("studyflow: error: signing is on ('--sign') but git config 'user.signingKey' is not set;"))
        #expect(try Self.git(["rev-list", "--count", "refs/studyflow/runs"], in: dir.path).stdout == "1\n")
        #expect(try String(contentsOfFile: dir.path + "/results/clean.txt", encoding: .utf8) == "ALPHA\nBETA\n")
    }
}

extension SignedRunTests {
    @Test("a key that cannot sign (not a key, a passphrase no one can type) fails the trial signature: exit 2, nothing run")
    func unusableKey() throws {
        let keys = try Keys()
        keys.directory.write("garbage", "not a key\n")
        let dir = try Self.repository(keys: keys, key: keys.directory.path + "/garbage")
        let result = try Self.run(["run"], in: dir)
        #expect(result.status == 2)
        let key = keys.directory.path + "/garbage"
        #expect(result.stderr == """
            studyflow: error: signing is on ('sign: true' in 'Workflows/main.yaml') but ssh-keygen cannot sign with '\(key)' \
            (git config 'user.signingKey'): Couldn't load public key \(key): No such file or directory; \
            add the key to ssh-agent ('ssh-add \(key)'), or point 'user.signingKey' at a usable SSH private key

            """)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/results"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/.studyflow"))
    }

}
