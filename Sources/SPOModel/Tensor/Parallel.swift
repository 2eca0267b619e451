import Dispatch
import Foundation

/// Work splitting over the machine's cores for the non-BLAS kernels.
public enum Parallel {
    /// Number of worker chunks used by `forEachChunk`: the active core count.
    public static let workerCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(range)` on disjoint contiguous chunks covering `0..<count`, concurrently
    /// when there are at least `minimumPerChunk` items per worker.
    @inline(__always)
    public static func forEachChunk(
        _ count: Int, minimumPerChunk: Int = 1, _ body: @escaping (Range<Int>) -> Void
    ) {
        forEachChunkIndexed(count, minimumPerChunk: minimumPerChunk) { _, range in body(range) }
    }

    /// The number of chunks `forEachChunkIndexed` uses for `count` items.
    public static func chunkCount(_ count: Int, minimumPerChunk: Int = 1) -> Int {
        min(workerCount, max(1, count / max(minimumPerChunk, 1)))
    }

    /// Like `forEachChunk`, also passing the chunk's index in `0..<chunkCount(...)`, so a
    /// reduction can give each chunk its own accumulator.
    @inline(__always)
    public static func forEachChunkIndexed(
        _ count: Int, minimumPerChunk: Int = 1, _ body: @escaping (Int, Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let chunks = chunkCount(count, minimumPerChunk: minimumPerChunk)
        if chunks == 1 { body(0, 0..<count); return }
        // Kernels hand raw pointers to disjoint rows; the chunks never overlap. (The body is
        // escaping, not `withoutActuallyEscaping`: Dispatch may release its block on a worker
        // thread just after `concurrentPerform` returns, which that check reports as an escape.)
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            shared.value(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }
}

/// Carries a value that is not `Sendable` into concurrent work known to be race-free.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
