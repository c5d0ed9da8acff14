import StudyCore
import Testing
import _StudyTestSupport

@Suite("StageLists: a graph's per-stage id lists in flat storage")
struct StageListsTests {
    @Test("each list reads back as written, zero-based, empty lists included")
    func readsBack() {
        let lists: [[Int32]] = [[], [0], [0, 1, 2], [], [-1, 3]]
        let flat = StageLists(lists)
        #expect(flat.count == 5)
        for (index, list) in lists.enumerated() {
            #expect(Array(flat[index]) == list)
            #expect(flat[index].count == list.count)
            #expect(flat[index].startIndex == 0)
        }
        #expect(flat[2][1] == 1)
        #expect(flat[4][0] == -1)
        #expect(flat == [[], [0], [0, 1, 2], [], [-1, 3]])
        #expect(flat != [[], [0], [0, 1], [2], [-1, 3]])
        #expect(flat[2] == [0, 1, 2])
        #expect(flat[2].description == "[0, 1, 2]")
    }

    @Test("reversing gives, for each stage, the stages whose lists name it, in stage order",
          arguments: [12, 200])
    func reversedMatchesNestedArrays(count: Int) {
        var random = SplitMix(seed: UInt64(count))
        var lists: [[Int32]] = []
        for stage in 0..<count {
            let n = stage == 0 ? 0 : Int(random.next() % 4)
            lists.append(Array(Set((0..<n).map { _ in Int32(random.next() % UInt64(stage)) })).sorted())
        }
        var expected = [[Int32]](repeating: [], count: count)
        for (stage, list) in lists.enumerated() { for id in list { expected[Int(id)].append(Int32(stage)) } }
        #expect(StageLists(lists).reversed(count: count) == StageLists(expected))
    }

    @Test("appending lists one by one equals building from nested arrays")
    func appendEqualsInit() {
        var flat = StageLists()
        flat.reserveCapacity(lists: 3, ids: 3)
        flat.append([Int32]())
        flat.append([2, 1] as [Int32])
        flat.append(CollectionOfOne(Int32(7)))
        #expect(flat == StageLists([[], [2, 1], [7]]))
    }
}
