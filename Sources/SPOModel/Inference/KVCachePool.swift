/// A paged key/value cache: fixed-size blocks of token slots with reference counts.
///
/// A block holds, for `blockSize` consecutive positions of one sequence, the rotated keys and
/// the values of every layer: layout [layer][key | value][slot][Hkv·d]. A sequence is a list
/// of block ids. Forking a sequence copies the list and increments the counts, so children
/// share every block of the prefix; a shared block is copied only when a child writes into a
/// partly filled one (copy-on-write of at most one block per child). Memory per token:
/// 2 · layers · Hkv · d floats.
public final class KVCachePool: @unchecked Sendable {
    /// Token slots per block.
    public let blockSize: Int
    /// Floats of one token's keys (or values) in one layer: Hkv·d.
    public let width: Int
    public let layerCount: Int
    /// Floats per block.
    let blockFloats: Int
    private let blocksPerChunk: Int
    private var chunks: [FloatBuffer] = []
    private var referenceCounts: [Int32] = []
    private var freeBlocks: [Int32] = []

    public init(layerCount: Int, width: Int, blockSize: Int = 16, blocksPerChunk: Int = 64) {
        precondition(blockSize > 0 && blocksPerChunk > 0)
        self.blockSize = blockSize
        self.width = width
        self.layerCount = layerCount
        self.blocksPerChunk = blocksPerChunk
        blockFloats = layerCount * 2 * blockSize * width
    }

    /// Blocks currently referenced by at least one sequence.
    public var blocksInUse: Int { referenceCounts.count - freeBlocks.count }
    /// Blocks allocated in memory (in use or free).
    public var blocksAllocated: Int { referenceCounts.count }
    /// Bytes of cache memory allocated.
    public var byteCount: Int { chunks.count * blocksPerChunk * blockFloats * 4 }

    /// A fresh block with reference count 1 (contents unspecified).
    func allocate() -> Int32 {
        if let block = freeBlocks.popLast() {
            referenceCounts[Int(block)] = 1
            return block
        }
        if referenceCounts.count == chunks.count * blocksPerChunk {
            chunks.append(FloatBuffer(count: blocksPerChunk * blockFloats))
        }
        referenceCounts.append(1)
        return Int32(referenceCounts.count - 1)
    }

    func retain(_ block: Int32) { referenceCounts[Int(block)] += 1 }

    func release(_ block: Int32) {
        referenceCounts[Int(block)] -= 1
        precondition(referenceCounts[Int(block)] >= 0, "KV block \(block) released too often")
        if referenceCounts[Int(block)] == 0 { freeBlocks.append(block) }
    }

    func isShared(_ block: Int32) -> Bool { referenceCounts[Int(block)] > 1 }

    /// Start of a block's storage.
    @inline(__always)
    func base(_ block: Int32) -> UnsafeMutablePointer<Float> {
        let b = Int(block)
        return chunks[b / blocksPerChunk].pointer + (b % blocksPerChunk) * blockFloats
    }

    /// Keys of `layer` in `block`, [blockSize, width].
    @inline(__always)
    func keys(_ block: Int32, layer: Int) -> UnsafeMutablePointer<Float> {
        base(block) + layer * 2 * blockSize * width
    }

    /// Values of `layer` in `block`, [blockSize, width].
    @inline(__always)
    func values(_ block: Int32, layer: Int) -> UnsafeMutablePointer<Float> {
        base(block) + (layer * 2 + 1) * blockSize * width
    }

    /// A private copy of `block` (all layers, all slots), for copy-on-write.
    func copy(_ block: Int32) -> Int32 {
        let fresh = allocate()
        base(fresh).update(from: base(block), count: blockFloats)
        return fresh
    }
}
