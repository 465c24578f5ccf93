"""What the platform carts share (ENDPOINTS 4 and 8): whose cart a line is, the limits, the
request and answer shapes of both carts, and the line operations that read only the cart's own
table. Each platform's cart (cart1688, carttaobao) keeps its own table, its own shapes for what
differs and its own reading of the marketplace."""
