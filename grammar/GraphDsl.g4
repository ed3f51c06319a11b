// The .moe language: model architectures for LLM inference. See docs/language.md.
// Regenerate the C# parser with grammar/generate.sh (antlr-ng, pinned in package.json).
grammar GraphDsl;

file        : importDecl* topDecl* EOF ;

importDecl  : IMPORT STRING ';'? ;

topDecl     : blockDecl
            | modelDecl
            | constDecl
            ;

constDecl   : CONST ID '=' expr ';'? ;

blockDecl   : BLOCK ID '(' paramList? ')' ('->' resultTypes)? body ;

resultTypes : typeRef
            | '(' typeRef (',' typeRef)* ')'
            ;

modelDecl   : MODEL ID (FOR ID)? body ;     // 'for': a part of another model (its MTP module)

paramList   : paramDecl (',' paramDecl)* ','? ;

paramDecl   : ID ':' typeRef ('=' expr)? ;

typeRef     : ID                         // int, float, bool, string, dtype
            | DTYPE
            | tensorType
            ;

tensorType  : ID? '[' (dimList)? ']' ;

dimList     : dim (',' dim)* ;

dim         : ELLIPSIS
            | expr
            ;

body        : '{' stmt* '}' ;

stmt        : PARAM ID '=' expr ';'?                          # paramStmt
            | DTYPE ID ';'?                                   # dtypeStmt
            | INPUT ID ':' tensorType ';'?                    # inputStmt
            | WEIGHT ID ':' tensorType ';'?                   # weightStmt
            | LET ID (',' ID)* '=' expr ';'?                  # letStmt
            | ID '=' expr ';'?                                # assignStmt
            | REPEAT expr (AS ID)? body                       # repeatStmt
            | ifStmt                                          # ifStmtAlt
            | RETURN expr (',' expr)* ';'?                    # returnStmt
            | OUTPUT ID '=' expr ';'?                         # outputStmt
            ;

ifStmt      : IF expr body (ELSE (body | ifStmt))? ;

expr        : primary                                             # primaryExpr
            | op=('-' | '!') expr                                 # unaryExpr
            | expr op=('*' | '/' | '//' | '%') expr               # mulExpr
            | expr op=('+' | '-') expr                            # addExpr
            | expr op=('<' | '<=' | '>' | '>=') expr              # compareExpr
            | expr op=('==' | '!=') expr                          # equalExpr
            | expr '&&' expr                                      # andExpr
            | expr '||' expr                                      # orExpr
            | <assoc=right> expr '?' expr ':' expr                # condExpr
            ;

primary     : INT                                                 # intLit
            | FLOAT                                               # floatLit
            | STRING                                              # stringLit
            | (TRUE | FALSE)                                      # boolLit
            | qualifiedName '(' argList? ')'                      # callExpr
            | ID                                                  # nameExpr
            | '(' expr ')'                                        # parenExpr
            | '[' (expr (',' expr)* ','?)? ']'                    # listExpr
            ;

qualifiedName : ID ('.' ID)* ;

argList     : arg (',' arg)* ','? ;

arg         : (argName ':')? expr ;

argName     : ID | DTYPE ;   // 'dtype' names the argument of nn.cast

// ---- lexer ----
IMPORT  : 'import' ;
CONST   : 'const' ;
BLOCK   : 'block' ;
MODEL   : 'model' ;
FOR     : 'for' ;
PARAM   : 'param' ;
DTYPE   : 'dtype' ;
INPUT   : 'input' ;
WEIGHT  : 'weight' ;
LET     : 'let' ;
REPEAT  : 'repeat' ;
AS      : 'as' ;
IF      : 'if' ;
ELSE    : 'else' ;
RETURN  : 'return' ;
OUTPUT  : 'output' ;
TRUE    : 'true' ;
FALSE   : 'false' ;

ELLIPSIS : '...' ;
ARROW    : '->' ;

FLOAT   : DIGITS '.' DIGITS EXPONENT?
        | DIGITS EXPONENT
        ;
INT     : DIGITS ;
fragment DIGITS   : [0-9] ('_'? [0-9])* ;
fragment EXPONENT : [eE] [+-]? [0-9]+ ;

ID      : [a-zA-Z_] [a-zA-Z0-9_]* ;

STRING  : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"' ;
UNTERMINATED_STRING : '"' (~["\\\r\n] | '\\' ~[\r\n])* ;

LINE_COMMENT : ('#' | '//') ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
WS      : [ \t\r\n]+ -> channel(HIDDEN) ;

LPAREN : '(' ; RPAREN : ')' ; LBRACE : '{' ; RBRACE : '}' ; LBRACK : '[' ; RBRACK : ']' ;
COMMA : ',' ; COLON : ':' ; SEMI : ';' ; DOT : '.' ; ASSIGN : '=' ;
PLUS : '+' ; MINUS : '-' ; STAR : '*' ; SLASH : '/' ; DSLASH : '//' ; PERCENT : '%' ;
LT : '<' ; LE : '<=' ; GT : '>' ; GE : '>=' ; EQ : '==' ; NE : '!=' ;
AND : '&&' ; OR : '||' ; NOT : '!' ; QUESTION : '?' ;

ERROR_CHAR : . ;
