/// Why received bytes were not accepted as a message: the class (counted by
/// `MessageReceiver`) and a one-line detail a person can act on.
public struct WireDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The classes of bad input, each counted separately by a receiver.
    public enum Reason: String, Sendable, CaseIterable, Comparable {
        /// Not MessagePack, or MessagePack of the wrong shape (not a map, a non-string map
        /// key, a duplicate key, invalid UTF-8, trailing bytes, too many frames).
        case malformed
        /// The MessagePack input ends before the value it declares does.
        case truncated
        /// Larger than the receiver's limits: bytes, nesting depth or object count.
        case oversized
        /// The `protocol` key is missing or is not "spo".
        case wrongProtocol = "wrong_protocol"
        /// A `version` (major) this build does not speak.
        case unsupportedVersion = "unsupported_version"
        /// A message type id that no version of the protocol has assigned.
        case unknownType = "unknown_type"
        /// A valid message type that this receiver does not accept.
        case unexpectedType = "unexpected_type"
        /// A missing required key, a value of the wrong type, or a value that breaks the
        /// message's invariants (array lengths, dtypes, ranges).
        case invalidField = "invalid_field"

        /// Orders reasons by declaration, for stable reports.
        public static func < (lhs: Reason, rhs: Reason) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The class of the problem.
    public let reason: Reason
    /// What was wrong, where (key path or byte offset) and the value seen.
    public let detail: String

    /// Memberwise initialiser.
    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// "<reason>: <detail>".
    public var description: String { "\(reason.rawValue): \(detail)" }
}
