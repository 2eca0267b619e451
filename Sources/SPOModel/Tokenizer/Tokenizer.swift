/// Maps text to token ids and back.
///
/// Ids are `Int32` in `0 ..< vocabularySize`; they index rows of the embedding matrix
/// `[V, C]` and columns of the logits `[B, T, V]`.
///
/// Requirements a conforming type must meet (a byte-level BPE tokenizer can meet them):
/// - `decode` skips special tokens (pad, bos, eos and any others): they decode to "".
/// - `decode` accepts any subsequence of a generated sequence, not only a whole one.
///   A subsequence that starts or ends inside a multi-byte character decodes that
///   fragment to U+FFFD, so text that lies wholly inside the subsequence decodes as it
///   does in the whole sequence. `StopChecker` relies on this to decode only the tail.
/// - `encode` adds no special tokens; callers add bos themselves.
public protocol Tokenizer: Sendable {
    /// Number of token ids, `V`; every id is in `0 ..< V`.
    var vocabularySize: Int { get }
    /// Id of the end-of-sequence token; sampling it ends generation.
    var eosTokenID: Int32 { get }
    /// Id of the beginning-of-sequence token, or nil if the tokenizer has none.
    var bosTokenID: Int32? { get }
    /// Id used to fill unused positions of a padded batch `[B, T]`.
    var padTokenID: Int32 { get }
    /// Token ids of `text`, without special tokens.
    func encode(_ text: String) -> [Int32]
    /// Text of `tokens`, skipping special tokens.
    func decode(_ tokens: [Int32]) -> String
}
