//! The HTTP side: the router that joins the pages, the streaming endpoint and
//! static files.

mod router;

pub(crate) use router::router;
