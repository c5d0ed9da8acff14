#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore

/// Something a run found at an output path and moved into `.studyflow/trash/` instead of deleting,
/// because the store could not have given it back.
public struct MovedAside: Sendable, Equatable, CustomStringConvertible {
    /// The output's workspace path as declared (directories end with `/`).
    public var path: String
    /// Where it is now, relative to the workspace root.
    public var destination: String
    /// The trash directory of this run, relative to the workspace root (what to delete to discard it).
    public var trashRun: String

    /// Creates a record of a move.
    public init(path: String, destination: String, trashRun: String) {
        self.path = path
        self.destination = destination
        self.trashRun = trashRun
    }

    /// The notice shown to the user: what moved, why, and how to get it back or discard it.
    public var description: String {
        "moved '\(path)' to '\(destination)' instead of deleting it: studyflow did not make it, so the store could not give it back; to restore it, move it back (e.g. 'mv \(ShellQuote.quote(destination)) <path>'); to discard it, 'rm -r \(ShellQuote.quote(trashRun))'"
    }
}

/// Clears one output path before a stage runs or an output is restored, never deleting what the
/// store cannot give back (DESIGN.md section 2: unrecorded user files are never deleted).
///
/// Content some record says a stage wrote at that path (same bytes), or that a failed stage left
/// there, is deleted, as before. Anything
/// else — a user's file or directory, an edited output, a directory where a file is declared, a
/// symbolic link — is renamed into `.studyflow/trash/RUN/PATH`: one rename on the same file system,
/// so nothing is copied. Across file systems it refuses instead.
struct OutputClearer: Sendable {
    let layout: StoreLayout
    let log: SharedActionLog
    let claims: OutputClaims
    let hasher: ArtifactHasher
    let run: Int

    /// Empties `path` (declared a directory or not); returns the move when something was set aside.
    func clear(_ path: String, isDirectory: Bool) throws -> MovedAside? {
        let absolute = layout.absolute(path)
        guard let st = FileStat.of(absolute) else {
            hasher.invalidate(path, isDirectory: isDirectory)
            return nil
        }
        let recorded = st.kind == (isDirectory ? .directory : .file) && isRecorded(path)
        hasher.invalidate(path, isDirectory: isDirectory || st.kind == .directory)
        if recorded {
            try FileIO.removeTree(absolute)
            return nil
        }
        return try moveAside(path, isDirectory: isDirectory)
    }

    private func isRecorded(_ path: String) -> Bool {
        // A directory holding a link or a special file cannot be hashed: not recorded, moved aside.
        guard let digest = try? hasher.digest(of: path, role: .output) else { return false }
        return log.isRecorded(path: path, digest: digest) || claims.isLeftover(path, digest: digest)
    }

    private func moveAside(_ path: String, isDirectory: Bool) throws -> MovedAside {
        var destination = layout.trash(run: run, path: path)
        var n = 1
        while FileStat.of(destination) != nil {
            n += 1
            destination = layout.trash(run: run, path: path) + "~\(n)"
        }
        try FileIO.createDirectories(parentDirectory(destination))
        guard rename(layout.absolute(path), destination) == 0 else {
            let code = errno
            if code == EXDEV {
                throw SetAsideError(path: path, reason: "it is on another file system than '.studyflow/'")
            }
            throw SetAsideError(path: path, reason: String(cString: strerror(code)))
        }
        let relative = { (absolute: String) in String(absolute.dropFirst(layout.root.count + 1)) }
        return MovedAside(path: isDirectory ? path + "/" : path, destination: relative(destination),
                          trashRun: relative(layout.trashDirectory + "/\(run)"))
    }
}

/// An output path held something studyflow did not make and could not move aside; the stage does
/// not run, and nothing is deleted.
struct SetAsideError: Error, CustomStringConvertible {
    var path: String
    var reason: String

    var description: String {
        "output '\(path)' holds data studyflow did not make, and it could not be moved aside to '.studyflow/trash/' (\(reason)); nothing was deleted: move or delete '\(path)' yourself, then rerun"
    }
}
