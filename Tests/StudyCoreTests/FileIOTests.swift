import StudyCore
import Testing

@Suite("FileIO")
struct FileIOTests {
    @Test("a temporary name sits next to its target, in the same directory")
    func temporaryNameSameDirectory() {
        let name = FileIO.temporaryName(for: "results/x.txt")
        #expect(name.hasPrefix("results/.tmp-"))
        #expect(name.hasSuffix("-x.txt"))
        #expect(!name.dropFirst("results/".count).contains("/"))
        #expect(FileIO.temporaryName(for: "x.txt").hasPrefix(".tmp-"))
    }

    @Test("a file name starting with a combining mark still gets its temporary name in its own directory")
    func temporaryNameCombiningMark() {
        let name = FileIO.temporaryName(for: "d/\u{301}x.txt")
        #expect(name.hasPrefix("d/.tmp-"))
    }
}
