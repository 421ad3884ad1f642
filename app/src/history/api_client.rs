//! How the history server functions are called from the browser: Leptos's
//! own `fetch` client, with `Authorization: Bearer …` added on a page
//! signed in without a cookie (see [`crate::access`]).

use futures::{Sink, Stream};
use server_fn::client::browser::BrowserClient;
use server_fn::client::Client;
use server_fn::error::FromServerFnError;
use server_fn::request::browser::BrowserRequest;
use server_fn::response::browser::BrowserResponse;
use server_fn::Bytes;

/// The history's client: [`BrowserClient`] plus the page's token.
pub struct ApiClient;

impl<E, IE, OE> Client<E, IE, OE> for ApiClient
where
    E: FromServerFnError,
    IE: FromServerFnError,
    OE: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = BrowserResponse;

    fn send(
        req: Self::Request,
    ) -> impl std::future::Future<Output = Result<Self::Response, E>> + Send {
        #[cfg(feature = "hydrate")]
        if let Some(authorization) = crate::access::authorization() {
            req.headers().set("Authorization", &authorization);
        }
        <BrowserClient as Client<E, IE, OE>>::send(req)
    }

    fn open_websocket(
        path: &str,
    ) -> impl std::future::Future<
        Output = Result<
            (
                impl Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                impl Sink<Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IE, OE>>::open_websocket(path)
    }

    fn spawn(future: impl std::future::Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IE, OE>>::spawn(future)
    }
}
