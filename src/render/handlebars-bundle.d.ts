// The single-file build of Handlebars is the same library as the package's main entry; only the
// main entry ships type declarations.
declare module 'handlebars/dist/handlebars.min.js' {
  import Handlebars from 'handlebars';
  export default Handlebars;
}
