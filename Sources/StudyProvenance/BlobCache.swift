import StudyCore
import StudyStore

/// Digest → git object id of objects already written to one provenance repository
/// (`StoreLayout.provenanceBlobCache`): outputs by their SHA-256, stage records and the `stages/`
/// and `outputs/` trees by a fingerprint of their content. Recording a run of 10,000 cached
/// stages then costs a dictionary lookup per stage instead of encoding 10,000 JSON records and
/// hashing them and every output again. The file names the repository it belongs to; `validate`
/// drops it when that repository no longer holds its objects (deleted and recreated).
struct BlobCache {
    private static let magic = "studyflow-provenance-blobs 1\n"
    private let path: String
    private let repository: String
    private var entries: [Digest: GitOID] = [:]
    private(set) var changed = false

    init(path: String, repository: String) {
        self.path = path
        self.repository = repository
        guard let bytes = FileIO.read(path) else { return }
        let header = Array((Self.magic + repository + "\n").utf8)
        guard bytes.count >= header.count, Array(bytes[0..<header.count]) == header,
              (bytes.count - header.count) % 52 == 0 else { return }
        entries.reserveCapacity((bytes.count - header.count) / 52)
        bytes.withUnsafeBytes { raw in
            var i = header.count
            while i + 52 <= raw.count {
                func word(_ at: Int) -> UInt64 { UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: i + at, as: UInt64.self)) }
                entries[Digest(w0: word(0), w1: word(8), w2: word(16), w3: word(24))] = GitOID(raw: raw[(i + 32)..<(i + 52)])
                i += 52
            }
        }
    }

    /// Drops every entry unless a sample of the cached objects exists in the repository, and
    /// starts over when the cache has grown past a million entries (~50 MB).
    mutating func validate(_ exists: (GitOID) -> Bool) {
        guard !entries.isEmpty else { return }
        let sample = Array(entries.values.prefix(3))
        if entries.count > 1_000_000 || !sample.allSatisfy(exists) {
            entries = [:]
            changed = true
        }
    }

    subscript(digest: Digest) -> GitOID? {
        get { entries[digest] }
        set {
            guard entries[digest] != newValue else { return }
            entries[digest] = newValue
            changed = true
        }
    }

    /// Writes the cache atomically when it changed; a lost cache only costs re-hashing next time.
    func save() {
        guard changed else { return }
        var bytes = Array((Self.magic + repository + "\n").utf8)
        bytes.reserveCapacity(bytes.count + 52 * entries.count)
        // Keys sorted alone, not (key, id) pairs: recording a 10,000-stage run ends here with 30,000
        // entries, the largest moment of its memory.
        for digest in entries.keys.sorted() {
            for w in [digest.w0, digest.w1, digest.w2, digest.w3] {
                withUnsafeBytes(of: w.bigEndian) { bytes.append(contentsOf: $0) }
            }
            entries[digest]!.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        try? FileIO.writeAtomically(path, bytes, durable: false)
    }
}
