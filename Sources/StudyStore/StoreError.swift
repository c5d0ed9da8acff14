import StudyCore

/// Infrastructure failures of the store: disk errors, a corrupt object, a lock that cannot be had.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// A system call failed.
    case io(FileIO.Failure)
    /// An object's bytes no longer match its name.
    case corruptObject(Digest, path: String)
    /// An object a record refers to is not in the store.
    case missingObject(Digest)
    /// Another process holds the workspace lock and `--no-wait` was given.
    case locked(holder: String)
    /// An output is neither a regular file nor a directory (e.g. a socket), or a symlink.
    case unsupportedOutput(path: String, kind: String)
    /// Writing `output` would go through the symbolic link `link` (workspace-relative) to
    /// `target`, outside the workspace.
    case outsideWorkspace(output: String, link: String, target: String)
    /// A file inside an input directory is a symlink or a special file (workspace paths).
    case unsupportedInput(directory: String, file: String, kind: String)

    public var description: String {
        switch self {
        case .io(let failure):
            return failure.description
        case .corruptObject(let digest, let path):
            return "object \(digest.short) at '\(path)' is corrupt; run 'studyflow fsck' to move it aside, then rerun"
        case .missingObject(let digest):
            return "object \(digest.short) is missing from the store; rerun with --force for the stage that made it"
        case .locked(let holder):
            return "workspace is locked by \(holder); wait for it, or run without --no-wait to wait"
        case .unsupportedOutput(let path, let kind):
            return "output '\(path)' is a \(kind); outputs must be regular files or directories"
        case .outsideWorkspace(let output, let link, let target):
            return "output '\(output)' leaves the workspace through symbolic link '\(link)' to '\(target)'; studyflow writes nothing through it; replace the link with a real directory inside the workspace and rerun"
        case .unsupportedInput(let directory, let file, let kind):
            return "input directory '\(directory)/' holds '\(file)', a \(kind); files inside an input directory must be regular files: replace it with a copy of what it points to, or remove it"
        }
    }
}

extension StoreError {
    /// Wraps any error from the file layer as a store error.
    public init(_ error: any Error) {
        if let error = error as? StoreError { self = error }
        else if let failure = error as? FileIO.Failure { self = .io(failure) }
        else { self = .io(FileIO.Failure("\(error)", "", code: 0)) }
    }
}
