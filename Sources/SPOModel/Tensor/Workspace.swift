/// Named scratch and activation buffers reused across calls.
///
/// `buffer(name, count)` returns the buffer last handed out under `name` when it is large
/// enough, else a fresh one; contents are NOT cleared. Reuse avoids re-faulting gigabytes of
/// pages every training step; the memory kept is the peak of each name.
public final class Workspace: @unchecked Sendable {
    private var buffers: [String: FloatBuffer] = [:]

    public init() {}

    /// A buffer of at least `count` floats (contents unspecified).
    public func buffer(_ name: String, _ count: Int) -> UnsafeMutablePointer<Float> {
        if let existing = buffers[name], existing.count >= count { return existing.pointer }
        let fresh = FloatBuffer(count: count)
        buffers[name] = fresh
        return fresh.pointer
    }

    /// A zeroed buffer of `count` floats.
    public func zeroed(_ name: String, _ count: Int) -> UnsafeMutablePointer<Float> {
        let pointer = buffer(name, count)
        pointer.update(repeating: 0, count: count)
        return pointer
    }

    /// Bytes held by all buffers.
    public var byteCount: Int { buffers.values.reduce(0) { $0 + $1.count * 4 } }

    /// Releases every buffer.
    public func removeAll() { buffers.removeAll() }
}
