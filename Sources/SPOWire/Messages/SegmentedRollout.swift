/// A rollout cut into S segments (type 3, segmented_rollout).
///
/// Wire body: rollout (rollout body map), boundaries (i32 [S+1]: response-token offsets
/// b₀ = 0 < b₁ < … < b_S = R; segment k covers tokens [b_k, b_{k+1})), token_mask
/// (u8 [R]: 1 where the token is trained on, 0 where it is not), first_credited_segment
/// (int, optional, default 0, 0 ≤ k ≤ S: the segments before it form the pre-segment,
/// whose tokens carry advantage 0 and whose boundaries need no value; k = S when no
/// segment earns credit, as a cutpoint partition of a response without a
/// low-probability token).
/// For GRPO the whole response is one segment: boundaries [0, R].
public struct SegmentedRollout: Sendable, Equatable, WireBody {
    /// The rollout segmented.
    public let rollout: Rollout
    /// Segment boundaries as response-token offsets, i32 [S+1].
    public let boundaries: NumericArray
    /// Per-response-token mask, u8 [R], values 0 or 1.
    public let tokenMask: NumericArray
    /// Index of the first segment that earns credit; earlier segments carry advantage 0.
    public let firstCreditedSegment: Int

    /// Checks the boundaries start at 0, end at R and strictly increase (so S ≥ 1 and
    /// R ≥ 1), the mask has R entries of 0 or 1, and 0 ≤ first_credited_segment ≤ S.
    public init(
        rollout: Rollout, boundaries: NumericArray, tokenMask: NumericArray, firstCreditedSegment: Int = 0
    ) throws(WireValidationError) {
        let length = rollout.responseLength
        try boundaries.requireVector(.i32, field: "boundaries")
        let offsets = boundaries.int32Values
        guard offsets.count >= 2, offsets.first == 0, offsets.last == Int32(clamping: length) else {
            throw WireValidationError(
                field: "boundaries",
                problem: "\(offsets.prefix(8))\(offsets.count > 8 ? "…" : ""), expected at least 2 offsets from 0 to the response length \(length)")
        }
        for index in 1..<offsets.count where offsets[index] <= offsets[index - 1] {
            throw WireValidationError(field: "boundaries", problem: "offset \(offsets[index]) at \(index) does not exceed \(offsets[index - 1])")
        }
        try tokenMask.requireVector(.u8, count: length, field: "token_mask", meaning: " (one per response token)")
        if let bad = tokenMask.uint8Values.firstIndex(where: { $0 > 1 }) {
            throw WireValidationError(field: "token_mask", problem: "value \(tokenMask.uint8Values[bad]) at \(bad), expected 0 or 1")
        }
        guard (0...(offsets.count - 1)).contains(firstCreditedSegment) else {
            throw WireValidationError(
                field: "first_credited_segment", problem: "\(firstCreditedSegment), expected 0...\(offsets.count - 1) (the segment count)")
        }
        self.rollout = rollout
        self.boundaries = boundaries
        self.tokenMask = tokenMask
        self.firstCreditedSegment = firstCreditedSegment
    }

    /// The same from Swift arrays.
    public init(
        rollout: Rollout, boundaries: [Int32], tokenMask: [UInt8], firstCreditedSegment: Int = 0
    ) throws(WireValidationError) {
        try self.init(
            rollout: rollout, boundaries: NumericArray(boundaries), tokenMask: NumericArray(tokenMask),
            firstCreditedSegment: firstCreditedSegment)
    }

    /// S, the number of segments.
    public var segmentCount: Int { boundaries.elementCount - 1 }

    init(fields: WireFields) throws(WireValidationError) {
        try self.init(
            rollout: Rollout.nested("rollout", in: fields),
            boundaries: fields.numericArray("boundaries"), tokenMask: fields.numericArray("token_mask"),
            firstCreditedSegment: fields.optionalInt("first_credited_segment") ?? 0)
    }

    var wireMap: MessagePackMap {
        var map: MessagePackMap = [
            "rollout": .map(rollout.wireMap), "boundaries": boundaries.messagePack,
            "token_mask": tokenMask.messagePack,
        ]
        if firstCreditedSegment != 0 { map["first_credited_segment"] = .int(Int64(firstCreditedSegment)) }
        return map
    }
}
