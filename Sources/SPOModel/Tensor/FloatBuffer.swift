/// An owned, 64-byte-aligned, zero-initialised buffer of `Float`s.
///
/// The engine keeps every weight, gradient, activation and cache in these buffers and works on
/// them through raw pointers: no copy-on-write, no bounds checks in kernels.
public final class FloatBuffer: @unchecked Sendable {
    /// Number of floats.
    public let count: Int
    /// Start of the storage; valid for the lifetime of the buffer.
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` floats set to zero.
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative, got \(count)")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// Allocates a buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    /// The whole buffer as a mutable buffer pointer.
    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: pointer, count: count) }

    /// A copy of the contents as an array.
    public var array: [Float] { Array(buffer) }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }
}
