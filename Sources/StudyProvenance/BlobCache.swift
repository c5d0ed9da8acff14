import StudyCore
import StudyStore

/// SHA-256 → git blob id of outputs already written to one provenance repository
/// (`StoreLayout.provenanceBlobCache`). Recording a run of 10,000 cached stages then costs a
/// dictionary lookup per output instead of reading and SHA-1-hashing every file again. The file
/// names the repository it belongs to and is ignored for any other one.
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
        var i = header.count
        entries.reserveCapacity((bytes.count - header.count) / 52)
        while i < bytes.count {
            entries[Digest(bytes: bytes[i..<i + 32])] = GitOID(raw: bytes[i + 32..<i + 52])
            i += 52
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
        for (digest, oid) in entries.sorted(by: { $0.key < $1.key }) {
            for w in [digest.w0, digest.w1, digest.w2, digest.w3] {
                withUnsafeBytes(of: w.bigEndian) { bytes.append(contentsOf: $0) }
            }
            bytes.append(contentsOf: oid.bytes)
        }
        try? FileIO.writeAtomically(path, bytes, durable: false)
    }
}
