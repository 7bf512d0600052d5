-- Names that match (issue: names must equal the price book's). Events carry the names
-- their sources use: provider "OpenAI" or "azure_openai", model "gpt-4o-2024-08-06".
-- A provider alias maps the name an event uses to the price book's provider; a model
-- alias (a name or a glob) prices a model with no price of its own at another's (a
-- dated snapshot at its family's price). Shared by every tenant, like the price book.
CREATE TABLE costlens.price_aliases (
    kind     text    NOT NULL CHECK (kind IN ('provider', 'model')),
    -- provider alias: the name events use; model alias: the price book's provider
    provider text    NOT NULL,
    -- model alias: the model's name or glob; '' for a provider alias
    match    text    NOT NULL DEFAULT '',
    pattern  boolean NOT NULL DEFAULT false,
    -- the price book's provider, or the model whose prices apply
    target   text    NOT NULL CHECK (target <> ''),
    PRIMARY KEY (kind, provider, match)
);
