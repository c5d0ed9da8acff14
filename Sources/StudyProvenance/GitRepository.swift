import CLibGit2
import StudyCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one owner of a libgit2 repository handle. libgit2 handles are not `Sendable`, and two
/// handles updating one ref race on its compare-and-swap, so every git call of a process goes
/// through a single instance of this class, from one thread at a time.
final class GitRepository {
    let handle: OpaquePointer
    /// The `.git` directory (or the bare repository itself), with a trailing slash as libgit2 gives it.
    let gitDirectory: String
    /// The work tree with a trailing slash, or nil for a bare repository.
    let workDirectory: String?

    private static let initialized: Bool = {
        // Debian's libgit2 1.5 parses the system CA bundle here (mbedTLS); CLibGit2Startup
        // replaces that parse, as no local repository needs it (see its CertificateStore.c), and
        // the libssh2 start-up that initialises OpenSSL (SSHStartup.c).
        _ = git_libgit2_init()
        _ = studyflow_git_disable_strict_object_creation()
        return true
    }()

    private init(handle: OpaquePointer) {
        self.handle = handle
        gitDirectory = String(cString: git_repository_path(handle))
        workDirectory = git_repository_workdir(handle).map { String(cString: $0) }
    }

    deinit { git_repository_free(handle) }

    /// What `discover` found above a path.
    enum Discovery {
        /// No repository: the workspace is in none.
        case none
        /// A repository libgit2 opened.
        case repository(GitRepository)
        /// A healthy repository in a format this libgit2 cannot read (`SHA-256 object names`, or
        /// an extension it does not know), at git directory `path`.
        case unsupported(path: String, format: String)
    }

    /// The repository containing `path`, searching upward as git does (honouring `GIT_DIR` and
    /// `GIT_CEILING_DIRECTORIES`). A repository that fails to open because of its format (Debian's
    /// libgit2 1.5 cannot read SHA-256 repositories) is `.unsupported`, not an error: it is not
    /// broken and must not be sent to `git fsck`.
    static func discover(from path: String) throws -> Discovery {
        _ = initialized
        var repo: OpaquePointer?
        let code = git_repository_open_ext(&repo, path, UInt32(GIT_REPOSITORY_OPEN_FROM_ENV.rawValue), nil)
        if code == GIT_ENOTFOUND.rawValue { return .none }
        guard code == 0, let repo else {
            let reason = lastError(code)
            if let found = unsupportedFormat(from: path, error: reason) { return .unsupported(path: found.path, format: found.format) }
            throw ProvenanceError.cannotOpen(path: path, reason: reason)
        }
        return .repository(GitRepository(handle: repo))
    }

    /// The git directory above `path` and a description of its format when that format, not
    /// damage, is why it did not open: `extensions.objectformat` other than sha1 in its config, or
    /// libgit2's own "unsupported extension name" error.
    static func unsupportedFormat(from path: String, error: String) -> (path: String, format: String)? {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_repository_discover(&buffer, path, 0, nil) == 0, let raw = buffer.ptr else { return nil }
        var gitDirectory = String(cString: raw)
        if gitDirectory.count > 1, gitDirectory.hasSuffix("/") { gitDirectory.removeLast() }
        if let format = configValue("extensions.objectformat", gitDirectory: gitDirectory)?.lowercased(), format != "sha1" {
            return (gitDirectory, format == "sha256" ? "SHA-256 object names" : "object format '\(format)'")
        }
        let marker = "unsupported extension name "
        if let range = error.range(of: marker) {
            return (gitDirectory, "the repository extension '\(error[range.upperBound...])'")
        }
        return nil
    }

    /// The directory holding a git directory's shared parts (config, refs, objects): itself, or
    /// what its `commondir` file names for a linked worktree.
    private static func commonDirectory(_ gitDirectory: String) -> String {
        guard let common = FileIO.readText(gitDirectory + "/commondir")?.split(separator: "\n").first.map(String.init),
              !common.isEmpty else { return gitDirectory }
        return common.hasPrefix("/") ? common : gitDirectory + "/" + common
    }

    /// A value of the repository's own config file (the common directory's for a linked worktree),
    /// read without opening the repository.
    private static func configValue(_ name: String, gitDirectory: String) -> String? {
        var config: OpaquePointer?
        guard git_config_open_ondisk(&config, commonDirectory(gitDirectory) + "/config") == 0 else { return nil }
        defer { git_config_free(config) }
        var value = git_buf()
        defer { git_buf_dispose(&value) }
        guard git_config_get_string_buf(&value, config, name) == 0, let raw = value.ptr else { return nil }
        return String(cString: raw)
    }

    /// HEAD's commit id read from the files of a repository libgit2 cannot open (a SHA-256 one):
    /// `HEAD`, then the loose ref it names, then `packed-refs`. Nil when HEAD is unborn or the
    /// refs are in a form not read here (reftable).
    static func headCommitFromFiles(gitDirectory: String) -> String? {
        func objectID(_ text: Substring) -> String? {
            (text.count == 40 || text.count == 64) && text.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) ? String(text) : nil
        }
        guard let head = FileIO.readText(gitDirectory + "/HEAD")?.split(separator: "\n").first else { return nil }
        if let id = objectID(head) { return id }
        guard head.hasPrefix("ref: refs/") else { return nil }
        let name = head.dropFirst(5)
        guard !name.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else { return nil }
        let common = commonDirectory(gitDirectory)
        for directory in [gitDirectory, common] {
            if let line = FileIO.readText(directory + "/" + name)?.split(separator: "\n").first, let id = objectID(line) { return id }
        }
        for line in (FileIO.readText(common + "/packed-refs") ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[1] == name, let id = objectID(parts[0]) { return id }
        }
        return nil
    }

    /// libgit2's version, `1.5` (for messages).
    static var libraryVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        _ = git_libgit2_version(&major, &minor, &revision)
        return "\(major).\(minor)"
    }

    /// The name of the linked worktree this handle opened (`.git/worktrees/NAME`), nil for the main
    /// work tree and bare repositories.
    var worktreeName: String? {
        guard git_repository_is_worktree(handle) == 1 else { return nil }
        var path = gitDirectory
        if path.hasSuffix("/") { path.removeLast() }
        return path.split(separator: "/").last.map(String.init)
    }

    /// Where shared refs such as `refs/studyflow/runs` live, with a trailing slash: the common git
    /// directory, which for a linked worktree is not `gitDirectory` (`.git/worktrees/NAME/`).
    var refsDirectory: String {
        guard let common = git_repository_commondir(handle) else { return gitDirectory }
        let path = String(cString: common)
        return path.hasSuffix("/") ? path : path + "/"
    }

    /// Whether HEAD names a branch that has no commit yet (after `git init`, before the first commit).
    var isHeadUnborn: Bool { workDirectory != nil && git_repository_head_unborn(handle) == 1 }

    /// Opens the repository at exactly `path` (no search).
    static func open(at path: String) throws -> GitRepository {
        _ = initialized
        var repo: OpaquePointer?
        let code = git_repository_open_ext(&repo, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil)
        guard code == 0, let repo else { throw ProvenanceError.cannotOpen(path: path, reason: lastError(code)) }
        return GitRepository(handle: repo)
    }

    /// Creates (or opens) a bare repository at `path`.
    static func createBare(at path: String) throws -> GitRepository {
        _ = initialized
        var repo: OpaquePointer?
        let code = git_repository_init(&repo, path, 1)
        guard code == 0, let repo else { throw ProvenanceError.cannotOpen(path: path, reason: lastError(code)) }
        return GitRepository(handle: repo)
    }

    /// `git_error_last()`'s message; libgit2 keeps it per thread, so call right after the failure.
    static func lastError(_ code: Int32) -> String {
        if let error = git_error_last(), let message = error.pointee.message {
            return String(cString: message).split(separator: "\n").first.map(String.init) ?? "error \(code)"
        }
        return "libgit2 error \(code)"
    }

    /// Whether the work-tree-relative `path` is ignored (`.gitignore`, `info/exclude`).
    func isIgnored(_ path: String) -> Bool {
        var ignored: Int32 = 0
        return git_ignore_path_is_ignored(&ignored, handle, path) == 0 && ignored == 1
    }

    func check(_ code: Int32, _ operation: String) throws {
        guard code < 0 else { return }
        throw ProvenanceError.git(operation: operation, code: code, message: Self.lastError(code))
    }

    // MARK: - Objects

    /// Writes a blob (a no-op when the object already exists) and returns its id.
    func writeBlob(_ bytes: [UInt8]) throws -> GitOID {
        try bytes.withUnsafeBytes { try writeBlob($0) }
    }

    /// Writes the bytes of `buffer` as a blob, without copying them into an array first.
    func writeBlob(_ buffer: UnsafeRawBufferPointer) throws -> GitOID {
        var oid = git_oid()
        let code = git_blob_create_from_buffer(&oid, handle, buffer.baseAddress, buffer.count)
        try check(code, "blob write")
        return GitOID(oid)
    }

    /// The bytes of blob `id`.
    func readBlob(_ id: GitOID) throws -> [UInt8] {
        var oid = id.raw
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, handle, &oid), "blob \(id.short) read")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// Whether the object database holds `id`.
    func contains(_ id: GitOID) -> Bool {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else { return false }
        defer { git_odb_free(odb) }
        var oid = id.raw
        return git_odb_exists(odb, &oid) == 1
    }

    /// The blob id git would give the file at `path` (read and hashed, not written).
    func hashFile(_ path: String) -> GitOID? {
        var oid = git_oid()
        guard git_odb_hashfile(&oid, path, GIT_OBJECT_BLOB) == 0 else { return nil }
        return GitOID(oid)
    }

    /// One entry of a tree being written.
    struct TreeEntry {
        var name: String
        var id: GitOID
        var isTree: Bool
        var isExecutable = false
    }

    /// Writes a tree of `entries` on top of the entries of `base` (when given) and returns its id.
    func writeTree(_ entries: [TreeEntry], base: GitOID? = nil) throws -> GitOID {
        var baseTree: OpaquePointer?
        if let base {
            var oid = base.raw
            try check(git_tree_lookup(&baseTree, handle, &oid), "tree \(base.short) read")
        }
        defer { if let baseTree { git_tree_free(baseTree) } }
        var builder: OpaquePointer?
        try check(git_treebuilder_new(&builder, handle, baseTree), "tree build")
        defer { git_treebuilder_free(builder) }
        for entry in entries {
            var oid = entry.id.raw
            let mode = entry.isTree ? GIT_FILEMODE_TREE : entry.isExecutable ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB
            try check(git_treebuilder_insert(nil, builder, entry.name, &oid, mode), "tree insert '\(entry.name)'")
        }
        var out = git_oid()
        try check(git_treebuilder_write(&out, builder), "tree write")
        return GitOID(out)
    }

    /// The entries of tree `id`: name, object id and whether it is a tree.
    func treeEntries(_ id: GitOID) throws -> [TreeEntry] {
        var oid = id.raw
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, handle, &oid), "tree \(id.short) read")
        defer { git_tree_free(tree) }
        let count = git_tree_entrycount(tree)
        var entries: [TreeEntry] = []
        entries.reserveCapacity(count)
        for i in 0..<count {
            guard let entry = git_tree_entry_byindex(tree, i) else { continue }
            entries.append(TreeEntry(name: String(cString: git_tree_entry_name(entry)), id: GitOID(git_tree_entry_id(entry).pointee),
                                     isTree: git_tree_entry_type(entry) == GIT_OBJECT_TREE))
        }
        return entries
    }

    /// The id of the object at `path` (`a/b/c`) inside tree `tree`, nil when absent.
    func entry(_ path: String, inTree tree: GitOID) throws -> GitOID? {
        var oid = tree.raw
        var treeHandle: OpaquePointer?
        try check(git_tree_lookup(&treeHandle, handle, &oid), "tree \(tree.short) read")
        defer { git_tree_free(treeHandle) }
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, treeHandle, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "tree lookup '\(path)'")
        defer { git_tree_entry_free(entry) }
        return GitOID(git_tree_entry_id(entry).pointee)
    }

    // MARK: - Commits and refs

    /// A commit's facts the ledger reads back.
    struct Commit {
        var id: GitOID
        var tree: GitOID
        var parent: GitOID?
        var message: String
        var time: Int64
    }

    /// Reads commit `id`.
    func commit(_ id: GitOID) throws -> Commit {
        var oid = id.raw
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, handle, &oid), "commit \(id.short) read")
        defer { git_commit_free(commit) }
        let parent = git_commit_parentcount(commit) > 0 ? git_commit_parent_id(commit, 0).map { GitOID($0.pointee) } : nil
        return Commit(id: id, tree: GitOID(git_commit_tree_id(commit).pointee), parent: parent,
                      message: git_commit_message(commit).map { String(cString: $0) } ?? "", time: Int64(git_commit_time(commit)))
    }

    /// Where `ref` points, nil when it does not exist yet.
    func resolve(_ ref: String) throws -> GitOID? {
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, handle, ref)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EUNBORNBRANCH.rawValue { return nil }
        if code < 0 { throw ProvenanceError.corrupt(ref: ref, reason: Self.lastError(code)) }
        return GitOID(oid)
    }

    /// The commit HEAD points at, nil in a bare repository or before the first commit.
    func headCommit() -> GitOID? {
        guard workDirectory != nil else { return nil }
        return try? resolve("HEAD")
    }

    /// Writes a commit of `tree` with `parent` and moves `ref` to it only if `ref` still points at
    /// `parent` (libgit2 checks the first parent against the ref: compare-and-swap, -15 on a race).
    func createCommit(ref: String, tree: GitOID, parent: GitOID?, message: String, time: Int64,
                      signer: RunSigner? = nil) throws -> GitOID {
        var signature: UnsafeMutablePointer<git_signature>?
        try check(git_signature_new(&signature, "studyflow", "studyflow@localhost", git_time_t(time), 0), "signature")
        defer { git_signature_free(signature) }
        var treeOID = tree.raw
        var treeHandle: OpaquePointer?
        try check(git_tree_lookup(&treeHandle, handle, &treeOID), "tree \(tree.short) read")
        defer { git_tree_free(treeHandle) }
        var parentHandle: OpaquePointer?
        if let parent {
            var oid = parent.raw
            try check(git_commit_lookup(&parentHandle, handle, &oid), "commit \(parent.short) read")
        }
        defer { if let parentHandle { git_commit_free(parentHandle) } }
        var parents: [OpaquePointer?] = parentHandle.map { [$0] } ?? []
        var out = git_oid()
        let code: Int32
        if let signer {
            code = try createSignedCommit(&out, ref: ref, parent: parent, signer: signer) { buffer in
                parents.withUnsafeMutableBufferPointer { list in
                    git_commit_create_buffer(&buffer, handle, signature, signature, nil, message, treeHandle, list.count, list.baseAddress)
                }
            }
        } else {
            code = parents.withUnsafeMutableBufferPointer { buffer in
                git_commit_create(&out, handle, ref, signature, signature, nil, message, treeHandle, buffer.count, buffer.baseAddress)
            }
        }
        if code == GIT_ELOCKED.rawValue {
            throw ProvenanceError.locked(ref: ref, lockFile: refsDirectory + ref + ".lock")
        }
        if code == GIT_EMODIFIED.rawValue { throw ProvenanceError.raced(ref: ref) }
        try check(code, "commit on '\(ref)'")
        return GitOID(out)
    }

    /// Writes the commit that `makeBuffer` lays out, signed by `signer` in its `gpgsig` header as
    /// git writes it, then moves `ref` from `parent` to it (compare-and-swap, like `git_commit_create`).
    private func createSignedCommit(_ out: inout git_oid, ref: String, parent: GitOID?, signer: RunSigner,
                                    makeBuffer: (inout git_buf) -> Int32) throws -> Int32 {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try check(makeBuffer(&buffer), "commit on '\(ref)'")
        let content = String(cString: buffer.ptr)
        var armored = try signer.sign(Array(content.utf8))
        // libgit2 indents each following line of the header; git's own form has no trailing blank line.
        while armored.hasSuffix("\n") { armored.removeLast() }
        try check(git_commit_create_with_signature(&out, handle, content, armored, nil), "signed commit on '\(ref)'")
        var reference: OpaquePointer?
        defer { if let reference { git_reference_free(reference) } }
        if let parent {
            var current = parent.raw
            return git_reference_create_matching(&reference, handle, ref, &out, 1, &current, "studyflow run (signed)")
        }
        let code = git_reference_create(&reference, handle, ref, &out, 0, "studyflow run (signed)")
        return code == GIT_EEXISTS.rawValue ? GIT_EMODIFIED.rawValue : code
    }

    /// The `gpgsig` header of commit `id` and the bytes it signs; nil for an unsigned commit.
    func signature(of id: GitOID) throws -> (signature: [UInt8], signed: [UInt8])? {
        var signature = git_buf(), signed = git_buf()
        defer { git_buf_dispose(&signature); git_buf_dispose(&signed) }
        var oid = id.raw
        let code = git_commit_extract_signature(&signature, &signed, handle, &oid, nil)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "signature of commit \(id.short)")
        let bytes = { (b: git_buf) in Array(UnsafeRawBufferPointer(start: b.ptr, count: b.size)) }
        return (bytes(signature), bytes(signed))
    }
}
