#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
@testable import StudyStore
import Testing
import _StudyTestSupport

@Suite("FileHasher: digests and copies whatever the file's size, with a buffer no larger than the file")
struct FileHasherTests {
    /// Seeded bytes, so every size has different content.
    private static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    @Test("every size around the chunk gives the digest and size of the bytes, and the copy holds the same bytes",
          arguments: [0, 1, 4095, 65_536, FileHasher.chunk - 1, FileHasher.chunk, FileHasher.chunk + 1, 3 * FileHasher.chunk + 5])
    func digestAndCopy(size: Int) throws {
        let dir = TemporaryDirectory()
        let content = Self.bytes(size, seed: UInt64(size) + 1)
        try FileIO.writeAtomically(dir.path + "/in", content, durable: false)
        let (digest, total) = try FileHasher.hash(dir.path + "/in", copyTo: dir.path + "/copy")
        #expect(digest == Digest.of(content))
        #expect(total == Int64(size))
        #expect(FileIO.read(dir.path + "/copy") == content)
    }

    @Test("the read buffer is the file's size plus one byte, at most one chunk")
    func bufferFitsTheFile() throws {
        let dir = TemporaryDirectory()
        for (size, expected) in [(0, 1), (10, 11), (FileHasher.chunk - 1, FileHasher.chunk), (FileHasher.chunk * 2, FileHasher.chunk)] {
            try FileIO.writeAtomically(dir.path + "/f", Self.bytes(size, seed: 7), durable: false)
            let fd = open(dir.path + "/f", O_RDONLY)
            defer { close(fd) }
            #expect(FileHasher.bufferSize(forFileOf: fd) == expected, "size \(size)")
        }
    }
}
