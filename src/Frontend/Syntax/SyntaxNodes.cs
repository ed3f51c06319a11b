using System.Collections.Generic;
using GraphDsl.Ir.Diagnostics;

namespace GraphDsl.Frontend.Syntax;

// The immutable syntax tree of a .moe file. Built from ANTLR's parse tree by AstBuilder; nothing
// outside the frontend's parsing folder sees ANTLR types.

public abstract record Node(SourceSpan Span);

public sealed record FileSyntax(SourceText Source, IReadOnlyList<ImportSyntax> Imports, IReadOnlyList<ConstSyntax> Consts,
    IReadOnlyList<BlockSyntax> Blocks, IReadOnlyList<ModelSyntax> Models, SourceSpan Span) : Node(Span);

public sealed record ImportSyntax(string Path, SourceSpan Span) : Node(Span);

public sealed record ConstSyntax(string Name, SourceSpan NameSpan, ExprSyntax Value, SourceSpan Span) : Node(Span);

public sealed record BlockSyntax(string Name, SourceSpan NameSpan, IReadOnlyList<ParamSyntax> Params, IReadOnlyList<TypeSyntax>? Results,
    IReadOnlyList<StmtSyntax> Body, SourceSpan Span) : Node(Span);

/// <summary>A model; with <see cref="Target"/> (<c>model NAME for TARGET</c>) a part of that model, such as its
/// multi-token-prediction module: compiled only when named, never the file's default model.</summary>
public sealed record ModelSyntax(string Name, SourceSpan NameSpan, IReadOnlyList<StmtSyntax> Body, SourceSpan Span) : Node(Span)
{
    public string? Target { get; init; }
    public SourceSpan TargetSpan { get; init; }
}

public sealed record ParamSyntax(string Name, SourceSpan NameSpan, TypeSyntax Type, ExprSyntax? Default, SourceSpan Span) : Node(Span);

// ---- types ----
public abstract record TypeSyntax(SourceSpan Span) : Node(Span);
/// <summary>int, float, bool, string or dtype.</summary>
public sealed record ScalarTypeSyntax(string Name, SourceSpan Span) : TypeSyntax(Span);
/// <summary><c>bf16[batch, seq, d]</c>; the dtype may be omitted; a leading <c>...</c> matches any leading dims.</summary>
public sealed record TensorTypeSyntax(string? DType, SourceSpan DTypeSpan, bool LeadingEllipsis, IReadOnlyList<ExprSyntax> Dims, SourceSpan Span) : TypeSyntax(Span);

// ---- statements ----
public abstract record StmtSyntax(SourceSpan Span) : Node(Span);
public sealed record ParamStmt(string Name, SourceSpan NameSpan, ExprSyntax Value, SourceSpan Span) : StmtSyntax(Span);
public sealed record DTypeStmt(string DType, SourceSpan DTypeSpan, SourceSpan Span) : StmtSyntax(Span);
public sealed record InputStmt(string Name, SourceSpan NameSpan, TensorTypeSyntax Type, SourceSpan Span) : StmtSyntax(Span);
public sealed record WeightStmt(string Name, SourceSpan NameSpan, TensorTypeSyntax Type, SourceSpan Span) : StmtSyntax(Span);
public sealed record LetStmt(IReadOnlyList<(string Name, SourceSpan Span)> Names, ExprSyntax Value, SourceSpan Span) : StmtSyntax(Span);
public sealed record AssignStmt(string Name, SourceSpan NameSpan, ExprSyntax Value, SourceSpan Span) : StmtSyntax(Span);
public sealed record RepeatStmt(ExprSyntax Count, string? Name, SourceSpan NameSpan, IReadOnlyList<StmtSyntax> Body, SourceSpan Span) : StmtSyntax(Span);
public sealed record IfStmt(ExprSyntax Condition, IReadOnlyList<StmtSyntax> Then, IReadOnlyList<StmtSyntax>? Else, SourceSpan Span) : StmtSyntax(Span);
public sealed record ReturnStmt(IReadOnlyList<ExprSyntax> Values, SourceSpan Span) : StmtSyntax(Span);
public sealed record OutputStmt(string Name, SourceSpan NameSpan, ExprSyntax Value, SourceSpan Span) : StmtSyntax(Span);

// ---- expressions ----
public abstract record ExprSyntax(SourceSpan Span) : Node(Span);
/// <summary>An integer literal; <see cref="Overflowed"/> when it did not fit (already reported).</summary>
public sealed record IntLit(long Value, bool Overflowed, SourceSpan Span) : ExprSyntax(Span);
public sealed record FloatLit(double Value, SourceSpan Span) : ExprSyntax(Span);
public sealed record StringLit(string Value, SourceSpan Span) : ExprSyntax(Span);
public sealed record BoolLit(bool Value, SourceSpan Span) : ExprSyntax(Span);
public sealed record NameExpr(string Name, SourceSpan Span) : ExprSyntax(Span);
public sealed record CallExpr(string Callee, SourceSpan CalleeSpan, IReadOnlyList<ArgSyntax> Args, SourceSpan Span) : ExprSyntax(Span);
public sealed record UnaryExpr(string Op, ExprSyntax Operand, SourceSpan Span) : ExprSyntax(Span);
public sealed record BinaryExpr(string Op, ExprSyntax Left, ExprSyntax Right, SourceSpan Span) : ExprSyntax(Span);
public sealed record CondExpr(ExprSyntax Condition, ExprSyntax IfTrue, ExprSyntax IfFalse, SourceSpan Span) : ExprSyntax(Span);
public sealed record ListExpr(IReadOnlyList<ExprSyntax> Items, SourceSpan Span) : ExprSyntax(Span);
/// <summary>Stands for an expression that could not be parsed (already reported).</summary>
public sealed record ErrorExpr(SourceSpan Span) : ExprSyntax(Span);

public sealed record ArgSyntax(string? Name, SourceSpan NameSpan, ExprSyntax Value, SourceSpan Span) : Node(Span);
