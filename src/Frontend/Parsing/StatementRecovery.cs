using Antlr4.Runtime;
using GraphDsl.Frontend.Generated;

namespace GraphDsl.Frontend.Parsing;

/// <summary>
/// Error recovery at statement granularity: after a syntax error the parser skips to the next token
/// that can start a statement or declaration (or a closing brace), so one mistake yields one
/// diagnostic and the rest of the file is still checked.
/// </summary>
internal sealed class StatementRecovery : DefaultErrorStrategy
{
    private int _lastRecoveryIndex = -1;

    private static bool IsSyncToken(int type) => type switch
    {
        GraphDslLexer.LET or GraphDslLexer.WEIGHT or GraphDslLexer.INPUT or GraphDslLexer.OUTPUT or GraphDslLexer.PARAM
            or GraphDslLexer.REPEAT or GraphDslLexer.IF or GraphDslLexer.RETURN or GraphDslLexer.DTYPE or GraphDslLexer.RBRACE
            or GraphDslLexer.BLOCK or GraphDslLexer.MODEL or GraphDslLexer.IMPORT or GraphDslLexer.CONST or TokenConstants.EOF => true,
        _ => false,
    };

    /// <summary>Never delete a statement keyword to patch up an expression: that statement is fine.</summary>
    protected override IToken? SingleTokenDeletion(Parser recognizer) =>
        IsSyncToken(recognizer.InputStream.LA(1)) ? null : base.SingleTokenDeletion(recognizer);

    public override void Recover(Parser recognizer, RecognitionException e)
    {
        var input = recognizer.InputStream;
        // Never recover twice at one place without progress: that could loop.
        if (input.Index == _lastRecoveryIndex && input.LA(1) != TokenConstants.EOF) recognizer.Consume();
        _lastRecoveryIndex = input.Index;
        while (!IsSyncToken(input.LA(1))) recognizer.Consume();
        EndErrorCondition(recognizer);
    }
}
