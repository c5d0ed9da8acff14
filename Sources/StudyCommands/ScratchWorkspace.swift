import StudyCore
import StudyProvenance
import StudyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scratch copy of a workspace for `reproduce`, in a fresh directory under /tmp, holding only the
/// lineage's inputs: never build folders, caches or other git-ignored bulk (a flagship workspace
/// has a 700 MB `.build/`), and never the outputs that are to be reproduced.
struct ScratchWorkspace {
    let layout: StoreLayout

    /// A fresh scratch directory with the workspace-relative `paths` of `root` copied in (a
    /// directory with everything under it except `.git`, `.studyflow` and the paths in `except`).
    /// Paths that do not exist are skipped: the load in the scratch copy reports a missing source.
    static func make(copying paths: [String], from root: String, except: Set<String>) throws -> ScratchWorkspace {
        var template = Array("/tmp/studyflow-reproduce-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }),
              let real = FileIO.realPath(String(cString: made)) else {
            throw CommandError.failure("cannot create a scratch directory under /tmp: \(String(cString: strerror(errno)))")
        }
        let scratch = ScratchWorkspace(layout: StoreLayout(root: real))
        for path in paths {
            guard let st = FileStat.following(root + "/" + path) else { continue }
            if let parent = WorkspacePath.directory(of: path) { try FileIO.createDirectories(real + "/" + parent) }
            try copy(path, kind: st.kind, executable: st.isExecutable, from: root, to: real, except: except)
        }
        return scratch
    }

    /// The workspace-relative files and directories a reproduction of `workflow` needs: every
    /// stage's declared inputs and the files its command names (`python3 scripts/x.py`), plus the
    /// inputs `records` read, less what any stage writes and the state folders.
    static func lineageInputs(of workflow: Workflow?, records: [StageRecord]) -> (inputs: [String], produced: Set<String>) {
        var produced: Set<String> = []
        var wanted: [String] = []
        for stage in workflow?.stages ?? [] {
            produced.formUnion(stage.outputs.map(\.path))
            wanted += stage.inputs.map(\.path) + CommandWords.candidates(of: stage)
        }
        for record in records {
            produced.formUnion(record.outputs.map(\.path))
            wanted += record.inputs.map(\.path)
        }
        var inputs: Set<String> = []
        for path in wanted {
            // Absolute paths and paths climbing out with `..` are read in place, not copied.
            guard case .inside(let clean, _) = WorkspacePath.normalize(path) else { continue }
            let top = clean.split(separator: "/").first.map(String.init) ?? clean
            if top != ".git", top != ".studyflow", !isProduced(clean, produced) { inputs.insert(clean) }
        }
        return (inputs.sorted(), produced)
    }

    /// Whether `path` is an output or lies inside a directory output.
    static func isProduced(_ path: String, _ produced: Set<String>) -> Bool {
        if produced.contains(path) { return true }
        var prefix = Substring(path)
        while let slash = prefix.lastIndex(of: "/") {
            prefix = prefix[..<slash]
            if produced.contains(String(prefix)) { return true }
        }
        return false
    }

    private static func copy(_ path: String, kind: FileStat.Kind, executable: Bool, from source: String, to destination: String,
                             except: Set<String>) throws {
        switch kind {
        case .directory:
            try FileIO.createDirectories(destination + "/" + path)
            for name in try FileIO.listDirectory(source + "/" + path) {
                let child = path + "/" + name
                if name == ".studyflow" || name == ".git" || isProduced(child, except) { continue }
                // Links to directories are not followed: a link loop must not copy forever.
                guard let st = FileStat.of(source + "/" + child) else { continue }
                if st.kind == .symlink, let target = FileStat.following(source + "/" + child), target.kind == .file {
                    try copy(child, kind: .file, executable: target.isExecutable, from: source, to: destination, except: except)
                } else if st.kind == .file || st.kind == .directory {
                    try copy(child, kind: st.kind, executable: st.isExecutable, from: source, to: destination, except: except)
                }
            }
        case .file:
            guard let bytes = FileIO.read(source + "/" + path) else { return }
            try FileIO.writeAtomically(destination + "/" + path, bytes, durable: false)
            if executable { chmod(destination + "/" + path, 0o755) }
        default:
            return
        }
    }

    /// Deletes the scratch directory.
    func remove() { try? FileIO.removeTree(layout.root) }
}
