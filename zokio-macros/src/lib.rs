//! `#[zokio::main]` and `#[zokio::test]`: run an `async fn` on a Zokio
//! runtime; and the expansion behind `zokio::select!`.
//!
//! Use them through the `zokio` crate, which re-exports them.
//!
//! These are written on `proc_macro` alone. An attribute on an `async fn`
//! only needs to find the `async` keyword, the signature and the body block,
//! which a token walk does exactly; `syn` would add several seconds to every
//! clean build of every user of the facade. The body is passed through
//! untouched, so spans and errors inside it stay the user's.
//!
//! Options, as in tokio: `flavor = "multi_thread"` (the default for `main`)
//! or `"current_thread"` (the default for `test`), `worker_threads = N`,
//! `start_paused = true` (the clock starts paused; current-thread only, as
//! the runtime's builder allows pausing only there), and `crate = "path"`
//! (where the zokio crate is, for a crate that re-exports it). A wrong,
//! repeated or unknown option is a compile error at the offending token;
//! the `compile_fail` doc tests on `zokio::main` show each.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

mod select;

/// Runs `async fn main` on a Zokio runtime with I/O and timers enabled.
///
/// ```ignore
/// #[zokio::main]
/// async fn main() {
///     zokio::time::sleep(std::time::Duration::from_millis(1)).await;
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, Kind::Main)
}

/// Runs an `async fn` test on a fresh current-thread Zokio runtime.
///
/// ```ignore
/// #[zokio::test]
/// async fn adds() {
///     assert_eq!(zokio::spawn(async { 1 + 1 }).await.unwrap(), 2);
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, Kind::Test)
}

/// The expansion of `zokio::select!`; call that macro, not this one: it
/// passes its `$crate` first, which the expansion names its support items by.
/// See `zokio::select!` for the grammar and semantics.
#[doc(hidden)]
#[proc_macro]
pub fn select(input: TokenStream) -> TokenStream {
    select::expand(input)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Main,
    Test,
}

struct Options {
    current_thread: bool,
    worker_threads: Option<Literal>,
    /// `start_paused = true`, with the span of its value for errors.
    start_paused: Option<Span>,
    /// `crate = "..."`: the path the expansion names the facade by.
    krate: Option<String>,
}

fn expand(args: TokenStream, item: TokenStream, kind: Kind) -> TokenStream {
    let options = match parse_options(args, kind) {
        Ok(options) => options,
        Err((message, span)) => return compile_error(&message, span),
    };
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();

    let Some(TokenTree::Group(body)) = tokens.pop() else {
        return compile_error("expected an `async fn` with a body", Span::call_site());
    };
    let async_at = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "async"));
    let fn_at = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "fn"));
    let (Some(async_at), Some(fn_at)) = (async_at, fn_at) else {
        let span = fn_at.map_or(Span::call_site(), |i| tokens[i].span());
        return compile_error(
            "the `async` keyword is missing from the function declaration",
            span,
        );
    };
    if async_at > fn_at {
        return compile_error("expected `async fn`", tokens[async_at].span());
    }
    if kind == Kind::Main {
        if let Some(TokenTree::Ident(name)) = tokens.get(fn_at + 1) {
            if name.to_string() == "main" && has_params(&tokens[fn_at..]) {
                return compile_error("`main` takes no arguments", name.span());
            }
        }
    }
    tokens.remove(async_at);

    let mut out = TokenStream::new();
    if kind == Kind::Test {
        out.extend(parse("#[::core::prelude::v1::test]"));
    }
    out.extend(tokens);
    let block_on = format!(
        "{}::runtime::Builder::{}(){}{}.enable_all().build()\
         .expect(\"failed to build the Zokio runtime\").block_on(async move {{}})",
        options.krate.as_deref().unwrap_or("::zokio"),
        if options.current_thread {
            "new_current_thread"
        } else {
            "new_multi_thread"
        },
        options
            .worker_threads
            .map(|n| format!(".worker_threads({n})"))
            .unwrap_or_default(),
        if options.start_paused.is_some() {
            ".start_paused(true)"
        } else {
            ""
        },
    );
    // Splice the user's body (with its spans) into `async move { .. }`.
    let mut call: Vec<TokenTree> = parse(&block_on).into_iter().collect();
    let Some(TokenTree::Group(args)) = call.pop() else {
        unreachable_expansion()
    };
    let mut inner: Vec<TokenTree> = args.stream().into_iter().collect();
    inner.pop(); // the empty `{}` placeholder
    inner.push(TokenTree::Group(body.clone()));
    call.push(TokenTree::Group(Group::new(
        Delimiter::Parenthesis,
        inner.into_iter().collect(),
    )));
    let mut wrapped = Group::new(Delimiter::Brace, call.into_iter().collect());
    wrapped.set_span(body.span());
    out.extend([TokenTree::Group(wrapped)]);
    out
}

/// The expansion template above always ends in a parenthesized group.
fn unreachable_expansion() -> ! {
    panic!("zokio-macros: internal error: malformed expansion template")
}

fn has_params(signature: &[TokenTree]) -> bool {
    signature.iter().any(|t| {
        matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis && !g.stream().is_empty())
    })
}

fn parse_options(args: TokenStream, kind: Kind) -> Result<Options, (String, Span)> {
    let mut options = Options {
        current_thread: kind == Kind::Test,
        worker_threads: None,
        start_paused: None,
        krate: None,
    };
    let mut seen: Vec<String> = Vec::new();
    let mut flavor_span = None;
    let mut worker_threads_span = None;
    let tokens: Vec<TokenTree> = args.into_iter().collect();
    for option in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        let (key, value) = match option {
            [] => continue,
            [TokenTree::Ident(key), TokenTree::Punct(eq), value] if eq.as_char() == '=' => {
                (key, value)
            }
            [TokenTree::Ident(key)] => {
                return Err((
                    format!("`{key}` needs a value: write `{key} = ...`"),
                    key.span(),
                ));
            }
            other => {
                let span = other.first().map_or(Span::call_site(), TokenTree::span);
                return Err(("expected `name = value`, separated by commas".into(), span));
            }
        };
        let name = key.to_string();
        if seen.contains(&name) {
            return Err((format!("`{name}` is set more than once"), key.span()));
        }
        seen.push(name.clone());
        match (name.as_str(), value) {
            ("flavor", TokenTree::Literal(value)) => {
                flavor_span = Some(value.span());
                match value.to_string().as_str() {
                    "\"multi_thread\"" => options.current_thread = false,
                    "\"current_thread\"" => options.current_thread = true,
                    _ => {
                        return Err((
                            "`flavor` is \"multi_thread\" or \"current_thread\"".into(),
                            value.span(),
                        ));
                    }
                }
            }
            ("worker_threads", TokenTree::Literal(value)) => {
                let n: usize = value.to_string().parse().map_err(|_| {
                    (
                        "`worker_threads` takes a whole number".to_string(),
                        value.span(),
                    )
                })?;
                if n == 0 {
                    return Err(("`worker_threads` must be at least 1".into(), value.span()));
                }
                worker_threads_span = Some(value.span());
                options.worker_threads = Some(value.clone());
            }
            ("start_paused", TokenTree::Ident(value)) if value.to_string() == "true" => {
                options.start_paused = Some(value.span());
            }
            ("start_paused", TokenTree::Ident(value)) if value.to_string() == "false" => {}
            ("crate", TokenTree::Literal(value)) => {
                options.krate = Some(crate_path(value)?);
            }
            ("flavor" | "crate", value) => {
                return Err((format!("`{name}` takes a string literal"), value.span()));
            }
            ("worker_threads", value) => {
                return Err(("`worker_threads` takes a whole number".into(), value.span()));
            }
            ("start_paused", value) => {
                return Err(("`start_paused` is `true` or `false`".into(), value.span()));
            }
            (other, _) => {
                return Err((
                    format!(
                        "unknown option `{other}`: expected `flavor`, `worker_threads`, \
                         `start_paused` or `crate`"
                    ),
                    key.span(),
                ));
            }
        }
    }
    if let (false, Some(span)) = (options.current_thread, options.start_paused) {
        return Err((
            "`start_paused = true` goes with the current-thread flavor only: a multi-thread \
             runtime's clock cannot be paused"
                .into(),
            span,
        ));
    }
    if options.current_thread && options.worker_threads.is_some() {
        let span = worker_threads_span
            .or(flavor_span)
            .unwrap_or_else(Span::call_site);
        return Err((
            "`worker_threads` goes with the multi-thread flavor only: add \
             `flavor = \"multi_thread\"`"
                .into(),
            span,
        ));
    }
    Ok(options)
}

/// The path in `crate = "..."`: `::`-separated identifiers (a leading `::`
/// allowed), so it can stand where `::zokio` stands in the expansion.
fn crate_path(value: &Literal) -> Result<String, (String, Span)> {
    let text = value.to_string();
    let bad = || {
        (
            "`crate` is a path to the zokio crate in a string, such as \"zokio\" or \
             \"my_app::zokio\""
                .to_string(),
            value.span(),
        )
    };
    let path = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(bad)?
        .trim();
    let relative = path.strip_prefix("::").unwrap_or(path);
    let is_ident = |s: &str| {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
            && chars.all(|c| c == '_' || c.is_alphanumeric())
    };
    if relative.is_empty() || !relative.split("::").all(|seg| is_ident(seg.trim())) {
        return Err(bad());
    }
    Ok(path.to_string())
}

fn parse(source: &str) -> TokenStream {
    source.parse().unwrap_or_else(|_| unreachable_expansion())
}

fn compile_error(message: &str, span: Span) -> TokenStream {
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
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    ];
    for t in &mut tokens {
        t.set_span(span);
    }
    tokens.into_iter().collect()
}
