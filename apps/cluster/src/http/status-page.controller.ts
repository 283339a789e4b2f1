import { Controller, Get, Header } from '@nestjs/common';
import { STATUS_PAGE } from './status-page.js';

/** `GET /`: the live status page (one HTML document, no external assets). */
@Controller()
export class StatusPageController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @Header('content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
  page(): string {
    return STATUS_PAGE;
  }
}
