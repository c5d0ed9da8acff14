/// Why a stage is stale: one value per fact that differs from its last record. `studyflow status`,
/// `run -n` and run events print these; tests assert them as values.
public enum Reason: Hashable, Sendable, CustomStringConvertible {
    /// The stage has no record (or none whose outputs can be trusted).
    case neverRun
    /// `--force`/`--force-all` named it or something upstream.
    case forced
    /// An input's content differs from the record.
    case inputChanged(String)
    /// An input that did not enter the last key does now (e.g. a newly declared file).
    case inputAdded(String)
    /// An input of the last key is no longer read.
    case inputRemoved(String)
    /// A parameter's value differs; values as canonical JSON, `nil` when absent.
    case paramChanged(name: String, from: String?, to: String?)
    /// A listed environment variable's value differs.
    case envChanged(String)
    /// The container image's content digest differs (a retag, or a changed `container:`); the
    /// digests are `sha256:…`, nil when the stage ran on the host or runs there now.
    case containerChanged(image: String, from: String?, to: String?)
    /// A tool that `tools:` lists is another file now; `from`/`to` are its version lines, or short
    /// digests when those are equal (`tool python3 changed (3.11.2 → 3.11.9)`).
    case toolChanged(name: String, from: String, to: String)
    /// `tools:` lists a program it did not list when the stage last ran, or no longer lists one.
    case toolListed(String)
    case toolUnlisted(String)
    /// The `run` text (or the built-in's `with`) differs.
    case commandChanged
    /// The stage kind or its implementation version differs.
    case kindChanged(from: String, to: String)
    /// An upstream stage reran in this run and its outputs changed.
    case upstreamReran(String)
    /// An upstream stage is stale and will run first (a preview cannot tell whether its outputs will change).
    case upstreamStale(String)
    /// A recorded output is missing on disk (it is restored from the store, not rerun).
    case outputMissing(String)
    /// A recorded output was edited on disk (it is restored from the store, not rerun).
    case outputEdited(String)
    /// A recorded output cannot be restored because its object is gone from the store.
    case outputNotInStore(String)

    public var description: String {
        switch self {
        case .neverRun: return "never run"
        case .forced: return "forced"
        case .inputChanged(let p): return "input \(p) changed"
        case .inputAdded(let p): return "input \(p) added"
        case .inputRemoved(let p): return "input \(p) removed"
        case .paramChanged(let name, let from, let to):
            return "param \(name) \(from ?? "(unset)") → \(to ?? "(unset)")"
        case .envChanged(let name): return "env \(name) changed"
        case .containerChanged(let image, let from?, let to?):
            return "container \(image) changed (\(Self.short(from)) → \(Self.short(to)))"
        case .containerChanged(let image, nil, let to?): return "container \(image) added (\(Self.short(to)))"
        case .containerChanged(let image, _, nil): return "container \(image) removed"
        case .toolChanged(let name, let from, let to): return "tool \(name) changed (\(from) → \(to))"
        case .toolListed(let name): return "tool \(name) added to tools:"
        case .toolUnlisted(let name): return "tool \(name) removed from tools:"
        case .commandChanged: return "command changed"
        case .kindChanged(let from, let to): return "kind \(from) → \(to)"
        case .upstreamReran(let s): return "upstream \(s) reran"
        case .upstreamStale(let s): return "upstream \(s) is stale"
        case .outputMissing(let p): return "output \(p) missing"
        case .outputEdited(let p): return "output \(p) edited"
        case .outputNotInStore(let p): return "output \(p) not in the store"
        }
    }

    /// `sha256:` and the first 12 hex digits, as `podman images` shows image IDs.
    static func short(_ digest: String) -> String {
        let hex = digest.hasPrefix("sha256:") ? digest.dropFirst(7) : Substring(digest)
        return "sha256:" + hex.prefix(12) + (hex.count > 12 ? "…" : "")
    }
}
