/// Bounds a decoder enforces before it allocates anything, so hostile or corrupt input
/// costs at most a bounded amount of memory and time.
public struct MessagePackLimits: Sendable, Equatable {
    /// Largest input accepted, in bytes.
    public var maxBytes: Int
    /// Deepest nesting of arrays and maps (the top-level map is depth 1); at most 32,
    /// the fixed parser stack of msgpack-c.
    public var maxDepth: Int
    /// Most values (scalars, strings, containers, map keys) in one input; msgpack-c
    /// allocates 24 bytes for each before the input is converted.
    public var maxObjects: Int

    /// Checks `maxDepth` is within 1...32 and the others are positive.
    public init(maxBytes: Int, maxDepth: Int, maxObjects: Int) {
        precondition(maxBytes > 0, "maxBytes must be positive, got \(maxBytes)")
        precondition((1...32).contains(maxDepth), "maxDepth must be in 1...32, got \(maxDepth)")
        precondition(maxObjects > 0, "maxObjects must be positive, got \(maxObjects)")
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxObjects = maxObjects
    }

    /// The `ZMQ_MAXMSGSIZE` to set on a receiving socket: `maxBytes` plus 1 MiB, so a
    /// payload a little over the limit still arrives and is counted and logged as
    /// `.oversized`, while a far larger one is refused by libzmq before it is buffered.
    public var socketMaxMessageSize: Int { maxBytes + (1 << 20) }

    /// 64 MiB, depth 16, one million values: the protocol's default limits
    /// (docs/protocol.md, "Limits").
    public static let `default` = MessagePackLimits(maxBytes: 64 << 20, maxDepth: 16, maxObjects: 1 << 20)
}
