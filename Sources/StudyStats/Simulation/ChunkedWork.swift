import Dispatch
import Synchronization

/// Runs work over items 0..<count in fixed chunks on up to `threads` threads and returns the
/// per-item results in item order.
///
/// Which thread runs which chunk varies; what each item computes does not (it draws from its own
/// stream), and the results are put back in item order before any reduction, so the output is
/// the same for any `threads` and `chunkSize`.
public enum ChunkedWork {
    /// Item results in item order. `body` gets a range of items and returns one result per item.
    public static func map<T: Sendable>(
        count: Int, chunkSize: Int, threads: Int, _ body: @Sendable (Range<Int>) -> [T]
    ) -> [T] {
        precondition(chunkSize > 0, "chunkSize must be positive")
        guard count > 0 else { return [] }
        let chunks = (count + chunkSize - 1) / chunkSize
        let range = { @Sendable (c: Int) in (c * chunkSize)..<min(count, (c + 1) * chunkSize) }
        let workers = min(max(threads, 1), chunks)
        if workers == 1 {
            var out = [T]()
            out.reserveCapacity(count)
            for c in 0..<chunks { out += body(range(c)) }
            return out
        }
        // Workers take the next chunk from a shared counter, so a slow chunk does not hold up a
        // statically assigned share; each chunk's results land in its own slot.
        let next = Atomic<Int>(0)
        let slots = Mutex<[[T]?]>(Array(repeating: nil, count: chunks))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard c < chunks else { return }
                let result = body(range(c))
                slots.withLock { $0[c] = result }
            }
        }
        return slots.withLock { slots in
            var out = [T]()
            out.reserveCapacity(count)
            for slot in slots { out += slot! }
            return out
        }
    }
}
