//! The expansion of `zokio::select!`, written on `proc_macro` alone.
//!
//! `zokio::select!` is a `macro_rules!` in the `zokio` crate that calls this
//! one as `select!($crate; <user input>)`, so the generated code can name its
//! support items through `$crate` even when the user renamed the crate.
//!
//! Parsing is a token walk. A branch is `<pattern> = <future>[, if
//! <condition>] => <handler>`: the pattern ends at the first `=` that is not
//! part of a longer operator, the future at `, if` or `=>`, the condition at
//! `=>`, and the handler at a top-level `,` (or right after its `{ .. }`).
//! Expressions never hold a top-level `,` except between the `<..>` of a
//! turbofish or the `|..|` of a leading closure, which the walk steps over;
//! everything else that could hold one sits inside a delimited group, which
//! is a single token here.
//!
//! The user's tokens are spliced into the expansion untouched, so their
//! spans, errors and lints stay theirs; the expansion's own names are
//! `Span::mixed_site`, so they can neither capture nor be captured by names
//! in the user's code.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// The most branches one `select!` takes: the disabled set is one bit each
/// in an integer of at most 64 bits.
const MAX_BRANCHES: usize = 64;

const PANIC_ALL_DISABLED: &str = "all branches are disabled and there is no else branch";

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    // The `zokio::select!` wrapper always passes `$crate ;` first.
    let (krate, tokens) = match tokens.split_first() {
        Some((krate @ TokenTree::Ident(_), rest)) if is_punct(rest.first(), ';') => {
            (krate.clone(), &rest[1..])
        }
        _ => {
            return error(
                "call this macro as `zokio::select!`: it expects `$crate;` first",
                Span::call_site(),
            );
        }
    };
    match parse(tokens) {
        Ok(select) => generate(&krate, &select),
        Err(e) => error(&e.message, e.span),
    }
}

struct Error {
    message: String,
    span: Span,
}

fn fail<T>(message: impl Into<String>, span: Span) -> Result<T, Error> {
    Err(Error {
        message: message.into(),
        span,
    })
}

struct Select {
    biased: bool,
    branches: Vec<Branch>,
    /// The tokens of the `else` expression.
    fallback: Option<Vec<TokenTree>>,
}

struct Branch {
    pattern: Vec<TokenTree>,
    future: Vec<TokenTree>,
    condition: Option<Vec<TokenTree>>,
    handler: Vec<TokenTree>,
}

// ---- Parsing ----------------------------------------------------------------

fn parse(tokens: &[TokenTree]) -> Result<Select, Error> {
    let mut select = Select {
        biased: false,
        branches: Vec::new(),
        fallback: None,
    };
    let mut i = 0;
    if is_biased(tokens, 0) {
        select.biased = true;
        i = 2;
    }
    while i < tokens.len() {
        if select.fallback.is_some() {
            return fail(
                "the `else` branch must be the last one: move this branch before `else`",
                tokens[i].span(),
            );
        }
        if is_ident(tokens.get(i), "else") {
            let span = tokens[i].span();
            if !is_fat_arrow(tokens, i + 1) {
                let at = tokens.get(i + 1).map_or(span, TokenTree::span);
                return fail(
                    "expected `=>` after `else`: write `else => <expression>`",
                    at,
                );
            }
            let start = i + 3;
            let end = if is_brace_group(tokens.get(start)) {
                start + 1
            } else {
                expr_end(tokens, start)
            };
            if end == start {
                return fail(
                    "expected an expression after `else =>`",
                    tokens[i + 2].span(),
                );
            }
            select.fallback = Some(tokens[start..end].to_vec());
            i = end;
            match tokens.get(end) {
                Some(t) if is_punct(Some(t), ',') => i += 1,
                Some(t) if is_punct(Some(t), ';') => return fail(stray_semicolon(), t.span()),
                Some(t) if is_fat_arrow(tokens, end) => {
                    return fail(
                        "expected `,` after the `else` expression, and `else` must be the last branch",
                        t.span(),
                    );
                }
                _ => {}
            }
            continue;
        }
        if is_biased(tokens, i) {
            return fail(
                "`biased;` must come first, before every branch",
                tokens[i].span(),
            );
        }
        if select.branches.len() == MAX_BRANCHES {
            return fail(
                format!("`select!` takes at most {MAX_BRANCHES} branches; this is one more"),
                tokens[i].span(),
            );
        }
        let (branch, next) = parse_branch(tokens, i)?;
        select.branches.push(branch);
        i = next;
    }
    if select.branches.is_empty() && select.fallback.is_none() {
        return fail(
            "`select!` requires at least one branch: `<pattern> = <async expression> => <handler>`",
            Span::call_site(),
        );
    }
    Ok(select)
}

/// Parses the branch starting at `start`; returns it and the index after it
/// (past its trailing comma, if any).
fn parse_branch(tokens: &[TokenTree], start: usize) -> Result<(Branch, usize), Error> {
    let first = tokens[start].span();

    // The pattern: up to the first `=` that is not part of `==`, `=>`, `<=`, ...
    let mut eq = start;
    loop {
        match tokens.get(eq) {
            None => return fail(missing_eq(), first),
            Some(t) if is_punct(Some(t), ';') => return fail(stray_semicolon(), t.span()),
            Some(_) if is_fat_arrow(tokens, eq) || is_punct(tokens.get(eq), ',') => {
                return fail(missing_eq(), first);
            }
            Some(_) if is_single_eq(tokens, eq) => break,
            Some(_) => eq += 1,
        }
    }
    if eq == start {
        return fail("expected a pattern before `=`", tokens[eq].span());
    }
    let pattern = tokens[start..eq].to_vec();

    // The future: up to `, if` or `=>`.
    let future_start = eq + 1;
    let future_end = expr_end(tokens, future_start);
    if future_end == future_start {
        let at = tokens.get(future_start).unwrap_or(&tokens[eq]).span();
        return fail("expected an async expression after `=`", at);
    }
    let future = tokens[future_start..future_end].to_vec();
    let mut arrow = future_end;
    let mut condition = None;
    match tokens.get(future_end) {
        None => {
            return fail(
                "expected `=> <handler>` after the async expression",
                tokens[future_end - 1].span(),
            );
        }
        Some(t) if is_punct(Some(t), ';') => return fail(stray_semicolon(), t.span()),
        Some(t) if is_punct(Some(t), ',') => {
            if !is_ident(tokens.get(future_end + 1), "if") {
                return fail(
                    "expected `=>` (or `, if <precondition> =>`) after the async expression, found `,`",
                    t.span(),
                );
            }
            let if_span = tokens[future_end + 1].span();
            let condition_start = future_end + 2;
            let condition_end = expr_end(tokens, condition_start);
            if condition_end == condition_start {
                return fail("expected a precondition after `if`", if_span);
            }
            if !is_fat_arrow(tokens, condition_end) {
                let at = tokens
                    .get(condition_end)
                    .unwrap_or(&tokens[condition_end - 1])
                    .span();
                return fail("expected `=> <handler>` after the precondition", at);
            }
            condition = Some(tokens[condition_start..condition_end].to_vec());
            arrow = condition_end;
        }
        Some(_) => {} // `=>`, the only other place `expr_end` stops
    }

    // The handler: a `{ .. }` block (its comma optional), or an expression
    // up to the next top-level `,`.
    let handler_start = arrow + 2;
    let (handler, next) = match tokens.get(handler_start) {
        None => {
            return fail("expected a handler after `=>`", tokens[arrow + 1].span());
        }
        Some(t) if is_brace_group(Some(t)) => {
            let after = handler_start + 1;
            let next = if is_punct(tokens.get(after), ',') {
                after + 1
            } else {
                after
            };
            (vec![tokens[handler_start].clone()], next)
        }
        Some(_) => {
            let end = expr_end(tokens, handler_start);
            if end == handler_start {
                return fail("expected a handler after `=>`", tokens[arrow + 1].span());
            }
            match tokens.get(end) {
                Some(t) if is_punct(Some(t), ';') => return fail(stray_semicolon(), t.span()),
                Some(t) if !is_punct(Some(t), ',') => {
                    return fail(
                        "expected `,` after the handler: an expression handler ends at `,`",
                        t.span(),
                    );
                }
                _ => {}
            }
            (tokens[handler_start..end].to_vec(), end + 1)
        }
    };
    Ok((
        Branch {
            pattern,
            future,
            condition,
            handler,
        },
        next,
    ))
}

fn missing_eq() -> &'static str {
    "expected `<pattern> = <async expression>`: this branch has no `=`"
}

fn stray_semicolon() -> &'static str {
    "unexpected `;`: branches are separated by `,`"
}

/// The index of the first token after `from` that ends an expression here: a
/// top-level `,`, `;` or `=>`, or the end.
fn expr_end(tokens: &[TokenTree], from: usize) -> usize {
    let mut j = from;
    // A leading closure: its `|..|` may hold commas.
    let mut k = j;
    while ["move", "async", "static"]
        .iter()
        .any(|word| is_ident(tokens.get(k), word))
    {
        k += 1;
    }
    if is_punct(tokens.get(k), '|') {
        if joint(&tokens[k]) && is_punct(tokens.get(k + 1), '|') {
            j = k + 2;
        } else if let Some(close) = (k + 1..tokens.len()).find(|&c| is_punct(tokens.get(c), '|')) {
            j = close + 1;
        }
    }
    // Inside the `<..>` of a turbofish, or of a qualified path that starts
    // the expression, commas separate generic arguments.
    let mut angles = 0usize;
    if is_punct(tokens.get(j), '<') {
        angles = 1;
        j += 1;
    }
    while j < tokens.len() {
        if angles > 0 {
            if is_punct(tokens.get(j), '<') {
                angles += 1;
            } else if is_punct(tokens.get(j), '>') && !is_arrow_head(tokens, j) {
                angles -= 1;
            } else if is_punct(tokens.get(j), ';') {
                return j;
            }
            j += 1;
            continue;
        }
        if is_punct(tokens.get(j), ',') || is_punct(tokens.get(j), ';') || is_fat_arrow(tokens, j) {
            return j;
        }
        if is_punct(tokens.get(j), ':')
            && joint(&tokens[j])
            && is_punct(tokens.get(j + 1), ':')
            && is_punct(tokens.get(j + 2), '<')
        {
            angles = 1;
            j += 3;
            continue;
        }
        j += 1;
    }
    tokens.len()
}

fn is_brace_group(token: Option<&TokenTree>) -> bool {
    matches!(token, Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace)
}

fn is_biased(tokens: &[TokenTree], i: usize) -> bool {
    is_ident(tokens.get(i), "biased") && is_punct(tokens.get(i + 1), ';')
}

fn is_ident(token: Option<&TokenTree>, word: &str) -> bool {
    matches!(token, Some(TokenTree::Ident(i)) if i.to_string() == word)
}

fn is_punct(token: Option<&TokenTree>, ch: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == ch)
}

fn joint(token: &TokenTree) -> bool {
    matches!(token, TokenTree::Punct(p) if p.spacing() == Spacing::Joint)
}

/// `=>`: a joint `=` followed by `>`, not the tail of a longer operator.
fn is_fat_arrow(tokens: &[TokenTree], i: usize) -> bool {
    is_punct(tokens.get(i), '=')
        && joint(&tokens[i])
        && is_punct(tokens.get(i + 1), '>')
        && !follows_joint(tokens, i)
}

/// The `>` of `->`.
fn is_arrow_head(tokens: &[TokenTree], i: usize) -> bool {
    i > 0 && is_punct(tokens.get(i - 1), '-') && joint(&tokens[i - 1])
}

/// A lone `=`: not the start of `==`/`=>` nor the tail of `<=`, `!=`, `..=`, `+=`...
fn is_single_eq(tokens: &[TokenTree], i: usize) -> bool {
    is_punct(tokens.get(i), '=')
        && !follows_joint(tokens, i)
        && !(joint(&tokens[i])
            && (is_punct(tokens.get(i + 1), '=') || is_punct(tokens.get(i + 1), '>')))
}

fn follows_joint(tokens: &[TokenTree], i: usize) -> bool {
    i > 0 && joint(&tokens[i - 1])
}

// ---- Pattern check ----------------------------------------------------------

/// How the poll loop tests a branch's output against its pattern without
/// taking it, so it can still hand the output on whole.
enum Check {
    /// The pattern binds nothing (no identifiers but `_`, `true`, `false`):
    /// matching the output place by value moves nothing, so the pattern is
    /// used as written. This is also the only way a top-level string literal
    /// pattern can be checked, since a `&str` literal does not match `&&str`.
    ByValue(Vec<TokenTree>),
    /// Matched against `&output`, with `ref`, `mut` and `&` removed, which
    /// match ergonomics then stands in for (see `clean_pattern`).
    ByRef(Vec<TokenTree>),
}

fn check_for(pattern: &[TokenTree]) -> Check {
    // `name @ rest` at the top always binds: only `rest` can fail. Testing
    // `rest` alone also lets `s @ "stop"` be tested by value.
    let modifiers = pattern
        .iter()
        .take_while(|t| is_ident(Some(t), "ref") || is_ident(Some(t), "mut"))
        .count();
    if matches!(pattern.get(modifiers), Some(TokenTree::Ident(_)))
        && is_punct(pattern.get(modifiers + 1), '@')
        && !pattern[modifiers + 2..]
            .iter()
            .any(|t| is_punct(Some(t), '|'))
    {
        return check_for(&pattern[modifiers + 2..]);
    }
    if binds_nothing(pattern) {
        Check::ByValue(pattern.to_vec())
    } else {
        Check::ByRef(clean_pattern(pattern))
    }
}

fn binds_nothing(tokens: &[TokenTree]) -> bool {
    tokens.iter().all(|t| match t {
        TokenTree::Ident(i) => matches!(i.to_string().as_str(), "_" | "true" | "false"),
        TokenTree::Group(g) => binds_nothing(&g.stream().into_iter().collect::<Vec<_>>()),
        _ => true,
    })
}

/// Removes `ref`, `mut` and `&` so the pattern can be matched against a
/// reference to the output: bindings then bind by reference, and `&`
/// patterns are dereferenced by match ergonomics instead. (Since Rust 2024,
/// writing `ref`, `mut` or `&` under a by-reference default binding mode is
/// an error, so they cannot stay.) Generic arguments after `::<` and inline
/// `const { .. }` blocks are left as written.
fn clean_pattern(tokens: &[TokenTree]) -> Vec<TokenTree> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut angles = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        if angles > 0 {
            if is_punct(Some(t), '<') {
                angles += 1;
            } else if is_punct(Some(t), '>') && !is_arrow_head(tokens, i) {
                angles -= 1;
            }
            out.push(t.clone());
            continue;
        }
        match t {
            TokenTree::Ident(id) if matches!(id.to_string().as_str(), "ref" | "mut") => {}
            TokenTree::Punct(p) if p.as_char() == '&' => {}
            TokenTree::Punct(p)
                if p.as_char() == '<'
                    && i >= 2
                    && is_punct(tokens.get(i - 1), ':')
                    && is_punct(tokens.get(i - 2), ':') =>
            {
                angles = 1;
                out.push(t.clone());
            }
            TokenTree::Group(g) if !(i > 0 && is_ident(tokens.get(i - 1), "const")) => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                let mut cleaned =
                    Group::new(g.delimiter(), clean_pattern(&inner).into_iter().collect());
                cleaned.set_span(g.span());
                out.push(TokenTree::Group(cleaned));
            }
            _ => out.push(t.clone()),
        }
    }
    out
}

// ---- Generation -------------------------------------------------------------

/// Builds the expansion: template code (parsed from strings, given
/// mixed-site spans) interleaved with the user's tokens.
struct Code<'a> {
    krate: &'a TokenTree,
    tokens: Vec<TokenTree>,
}

impl<'a> Code<'a> {
    fn new(krate: &'a TokenTree) -> Self {
        Code {
            krate,
            tokens: Vec::new(),
        }
    }

    /// Template source; `#support` stands for `$crate::__select`.
    fn src(&mut self, source: &str) -> &mut Self {
        let stream: TokenStream = source
            .replace("#support", SUPPORT)
            .parse()
            .unwrap_or_else(|_| panic!("zokio-macros: internal error: bad template `{source}`"));
        let tokens = self.template(stream);
        self.tokens.extend(tokens);
        self
    }

    /// Gives the template's tokens mixed-site spans and replaces each
    /// `SUPPORT` placeholder by `$crate :: __select`.
    fn template(&self, stream: TokenStream) -> Vec<TokenTree> {
        let mut out = Vec::new();
        for token in stream {
            match token {
                TokenTree::Ident(i) if i.to_string() == SUPPORT => {
                    out.push(self.krate.clone());
                    for t in "::__select".parse::<TokenStream>().into_iter().flatten() {
                        out.push(respan(t));
                    }
                }
                TokenTree::Group(g) => {
                    let inner = self.template(g.stream());
                    let mut group = Group::new(g.delimiter(), inner.into_iter().collect());
                    group.set_span(Span::mixed_site());
                    out.push(TokenTree::Group(group));
                }
                other => out.push(respan(other)),
            }
        }
        out
    }

    fn user(&mut self, tokens: &[TokenTree]) -> &mut Self {
        self.tokens.extend(tokens.iter().cloned());
        self
    }

    fn group(&mut self, delimiter: Delimiter, body: impl FnOnce(&mut Code<'a>)) -> &mut Self {
        let mut inner = Code::new(self.krate);
        body(&mut inner);
        let mut group = Group::new(delimiter, inner.finish());
        group.set_span(Span::mixed_site());
        self.tokens.push(TokenTree::Group(group));
        self
    }

    fn braces(&mut self, body: impl FnOnce(&mut Code<'a>)) -> &mut Self {
        self.group(Delimiter::Brace, body)
    }

    fn parens(&mut self, body: impl FnOnce(&mut Code<'a>)) -> &mut Self {
        self.group(Delimiter::Parenthesis, body)
    }

    fn finish(self) -> TokenStream {
        self.tokens.into_iter().collect()
    }
}

/// A placeholder identifier in templates, for `$crate::__select`.
const SUPPORT: &str = "__ZOKIO_SELECT_SUPPORT";

fn respan(mut token: TokenTree) -> TokenTree {
    token.set_span(Span::mixed_site());
    token
}

/// The integer type of the disabled-branch bit set, the smallest that fits.
fn mask_type(branches: usize) -> &'static str {
    match branches {
        0..=8 => "u8",
        9..=16 => "u16",
        17..=32 => "u32",
        _ => "u64",
    }
}

fn generate(krate: &TokenTree, select: &Select) -> TokenStream {
    let mut code = Code::new(krate);
    let n = select.branches.len();
    if n == 0 {
        // Only `else`: nothing to wait for.
        code.braces(|c| {
            c.user(select.fallback.as_deref().unwrap_or_default());
        });
        return code.finish();
    }
    let mask = mask_type(n);
    let bit = |k: usize| format!("{}{mask}", 1u64 << k);

    code.braces(|c| {
        // One variant per branch carries its output out of the poll loop, so
        // the handlers run in the caller's own scope (their `break`,
        // `continue`, `return` and `?` are the caller's).
        c.src("#[allow(non_camel_case_types)] enum __ZokioSelectOutput");
        c.src(&format!(
            "<{}> {{ {} Disabled, }}",
            (0..n).map(|k| format!("T{k},")).collect::<String>(),
            (0..n).map(|k| format!("B{k}(T{k}),")).collect::<String>(),
        ));

        // The preconditions, first, as in Tokio: a condition may borrow what
        // a branch's future then borrows mutably.
        c.src(&format!("let mut __disabled: {mask} = 0{mask};"));
        for (k, branch) in select.branches.iter().enumerate() {
            if let Some(condition) = &branch.condition {
                c.src("if !");
                c.parens(|c| {
                    c.user(condition);
                });
                c.braces(|c| {
                    c.src(&format!("__disabled |= {};", bit(k)));
                });
            }
        }

        c.src("#[allow(unused_mut)] let mut __output =");
        c.braces(|c| {
            // All futures are built, disabled or not, in order. Each is its
            // own `let` so a temporary it borrows (`&mut make()`) lives as
            // long as the future; and they all live in this block, so they
            // are dropped, and their borrows end, before a handler runs.
            for (k, branch) in select.branches.iter().enumerate() {
                c.src(&format!("let __f{k} ="));
                c.user(&branch.future);
                c.src(";");
            }
            for k in 0..n {
                c.src(&format!(
                    "let __f{k} = #support::IntoFuture::into_future(__f{k});"
                ));
            }
            // Pinned last to first: locals drop in reverse, so the futures
            // drop first to last, as the fields of Tokio's tuple do.
            for k in (0..n).rev() {
                c.src(&format!("let mut __f{k} = #support::pin!(__f{k});"));
            }
            c.src("#support::poll_fn");
            c.parens(|c| {
                c.src("move |__cx|");
                c.braces(|c| poll_body(c, select, mask));
            });
            c.src(".await");
        });
        c.src(";");

        c.src("match __output");
        c.braces(|c| {
            for (k, branch) in select.branches.iter().enumerate() {
                // A branch whose output type is uninhabited (`!`) makes its
                // arm unreachable, which is no fault of the user's.
                c.src(&format!(
                    "#[allow(unreachable_patterns)] __ZokioSelectOutput::B{k}"
                ));
                c.parens(|c| {
                    c.user(&branch.pattern);
                });
                c.src("=>");
                c.user(&branch.handler);
                c.src(",");
            }
            c.src("__ZokioSelectOutput::Disabled =>");
            match &select.fallback {
                Some(fallback) => {
                    c.user(fallback);
                }
                None => {
                    c.src(&format!("::core::panic!(\"{PANIC_ALL_DISABLED}\")"));
                }
            }
            c.src(
                ", #[allow(unreachable_patterns)] _ => ::core::unreachable!(\
                 \"zokio::select!: a branch output that failed its pattern was selected\"),",
            );
        });
    });
    code.finish()
}

/// The body of the `poll_fn` closure: poll each enabled branch once, from a
/// random start (or the first, with `biased;`), until one completes with an
/// output matching its pattern.
fn poll_body(c: &mut Code<'_>, select: &Select, mask: &str) {
    let n = select.branches.len();
    let bit = |k: usize| format!("{}{mask}", 1u64 << k);
    // A task out of budget yields here rather than leave it to the
    // branches: those that count the budget would yield anyway, and one that
    // does not would keep the task running past its budget.
    c.src("if #support::budget_spent(__cx) { return #support::Poll::Pending; }");
    c.src("let mut __pending = false;");
    let rotate = !select.biased && n > 1;
    if rotate {
        c.src(&format!(
            "let __start: u32 = #support::random_start({n}u32);"
        ));
    }
    c.src(&format!("for __i in 0u32..{n}u32"));
    c.braces(|c| {
        if rotate {
            c.src(&format!(
                "let __branch: u32 = if __start + __i < {n}u32 {{ __start + __i }} \
                 else {{ __start + __i - {n}u32 }};"
            ));
        } else {
            c.src("let __branch: u32 = __i;");
        }
        c.src("match __branch");
        c.braces(|c| {
            for (k, branch) in select.branches.iter().enumerate() {
                c.src(&format!("#[allow(unreachable_code)] {k}u32 =>"));
                c.braces(|c| {
                    c.src(&format!(
                        "if __disabled & {b} != 0{mask} {{ continue; }} \
                         let __out = match #support::Future::poll(__f{k}.as_mut(), __cx) {{ \
                             #support::Poll::Ready(__out) => __out, \
                             #support::Poll::Pending => {{ __pending = true; continue; }} \
                         }}; \
                         __disabled |= {b};",
                        b = bit(k)
                    ));
                    match check_for(&branch.pattern) {
                        Check::ByValue(pattern) => {
                            c.src("match __out");
                            c.braces(|c| {
                                // `_` on an output of type `!` is unreachable.
                                c.src("#[allow(unreachable_patterns)]");
                                c.user(&pattern);
                                c.src("=> {} #[allow(unreachable_patterns)] _ => continue,");
                            });
                        }
                        Check::ByRef(pattern) => {
                            c.src("match &__out");
                            c.braces(|c| {
                                c.src("#[allow(unused_variables)]");
                                c.user(&pattern);
                                c.src("=> {} #[allow(unreachable_patterns)] _ => continue,");
                            });
                        }
                    }
                    c.src(&format!(
                        "return #support::Poll::Ready(__ZokioSelectOutput::B{k}(__out));"
                    ));
                });
            }
            c.src("_ => ::core::unreachable!(),");
        });
    });
    c.src(
        "if __pending { #support::Poll::Pending } \
         else { #support::Poll::Ready(__ZokioSelectOutput::Disabled) }",
    );
}

/// `{ ::core::compile_error!("..") }` at `span`: a block, so it stands
/// wherever `select!` was written (an expression or a statement).
fn error(message: &str, span: Span) -> TokenStream {
    let mut tokens: Vec<TokenTree> = vec![
        TokenTree::Punct(Punct::new(':', Spacing::Joint)),
        TokenTree::Punct(Punct::new(':', Spacing::Alone)),
        TokenTree::Ident(Ident::new("core", span)),
        TokenTree::Punct(Punct::new(':', Spacing::Joint)),
        TokenTree::Punct(Punct::new(':', Spacing::Alone)),
        TokenTree::Ident(Ident::new("compile_error", span)),
        TokenTree::Punct(Punct::new('!', Spacing::Alone)),
        TokenTree::Group(Group::new(
            Delimiter::Parenthesis,
            TokenStream::from(TokenTree::Literal(Literal::string(message))),
        )),
    ];
    for t in &mut tokens {
        t.set_span(span);
    }
    let mut block = Group::new(Delimiter::Brace, tokens.into_iter().collect());
    block.set_span(span);
    TokenStream::from(TokenTree::Group(block))
}
