"""ShopStream Studio: desktop studio for live-selling hosts."""

__version__ = "0.1.0"
