import Foundation
import Synchronization
import Testing
@testable import StudyStats

@Suite("Chunked parallel work")
struct ChunkedWorkTests {
    @Test("results come back in item order for any chunk size and thread count")
    func order() {
        for (chunk, threads) in [(1, 1), (3, 2), (10, 4), (1000, 2)] {
            let out = ChunkedWork.map(count: 100, chunkSize: chunk, threads: threads) { range in range.map { $0 * $0 } }
            #expect(out == (0..<100).map { $0 * $0 }, "chunk \(chunk), threads \(threads)")
        }
        #expect(ChunkedWork.map(count: 0, chunkSize: 4, threads: 2) { $0.map { $0 } } == [])
    }

    @Test("threads: 2 runs two chunks at the same time; threads: 1 never does")
    func concurrency() {
        func peak(threads: Int) -> Int {
            let active = Atomic<Int>(0)
            let peak = Atomic<Int>(0)
            _ = ChunkedWork.map(count: 8, chunkSize: 1, threads: threads) { range -> [Int] in
                let now = active.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
                _ = peak.max(now, ordering: .sequentiallyConsistent)
                // Hold the chunk until another one is running too (or 2 s pass, on a starved machine).
                let start = Date()
                while peak.load(ordering: .sequentiallyConsistent) < 2 && threads > 1 && Date().timeIntervalSince(start) < 2 {
                    usleep(1000)
                }
                active.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                return Array(range)
            }
            return peak.load(ordering: .sequentiallyConsistent)
        }
        #expect(peak(threads: 1) == 1)
        #expect(peak(threads: 2) == 2)
    }
}
